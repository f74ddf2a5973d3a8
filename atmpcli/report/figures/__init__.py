"""Figures (PNG, SVG or PDF) for people, reports and slide decks: each takes a result and a path.

A strategy has the same colour in every figure (its position in the scenario, Okabe-Ito palette), axes
carry the currency and the unit of effect from the result's units, and matplotlib is imported only when
a figure is drawn. ``draw_*`` functions return the matplotlib figure (for tests and embedding);
``*_figure(result, path)`` write it, the extension choosing the format.
"""

from atmpcli.report.figures.comparison import (
    ce_plane_figure,
    comparison_figure,
    draw_comparison,
    payments_figure,
    trace_figure,
)
from atmpcli.report.figures.maps import draw_trace, draw_two_way, two_way_figure
from atmpcli.report.figures.maps import trace_figure as cohort_trace_figure
from atmpcli.report.figures.psa import ceac_figure, draw_psa, psa_figure, psa_plane_figure
from atmpcli.report.figures.sensitivity import budget_figure, draw_budget, draw_tornado, tornado_figure
from atmpcli.report.figures.style import EFFECT_LABEL, FIGURE_SUFFIXES, colours, pyplot, save_figure

__all__ = [
    "EFFECT_LABEL",
    "FIGURE_SUFFIXES",
    "budget_figure",
    "ce_plane_figure",
    "ceac_figure",
    "cohort_trace_figure",
    "colours",
    "comparison_figure",
    "draw_budget",
    "draw_comparison",
    "draw_psa",
    "draw_tornado",
    "draw_trace",
    "draw_two_way",
    "payments_figure",
    "psa_figure",
    "psa_plane_figure",
    "pyplot",
    "save_figure",
    "trace_figure",
    "tornado_figure",
    "two_way_figure",
]
