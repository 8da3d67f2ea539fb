"""Plots for the tutorial, one module per topic; each function returns a matplotlib Figure,
except the live charts of :mod:`helpers.plots.svg` (redrawn on every query), which are SVG text.

All of them share :mod:`helpers.plots.style`: a colour-blind-safe palette (Okabe-Ito) and
font sizes that stay legible on a workshop projector; each method's colour, hatch and label
come from :data:`helpers.methods.METHODS`.
"""
