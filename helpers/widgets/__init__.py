"""Interactive widgets, one module per notebook topic.

Every widget's update logic is a plain function next to it, so tests (and readers
without a running kernel) can call it directly.
"""
