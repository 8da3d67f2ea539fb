"""Plots for the tutorial, one module per topic; each function returns a matplotlib Figure.

All of them share :mod:`helpers.plots.style`: a colour-blind-safe palette (Okabe-Ito) and
font sizes that stay legible on a workshop projector.
"""
