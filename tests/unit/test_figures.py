"""Figures checked by their content, not their pixels: the artists a reader relies on are there, at the
right place, with readable labels (text inside the figure, one legend entry per label, whole years)."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from atmpcli.analysis import dsa as D
from atmpcli.analysis.compare import compare
from atmpcli.analysis.dominance_and_icers import incremental_analysis
from atmpcli.analysis.psa import run_psa
from atmpcli.analysis.psa_summary import summarise_psa
from atmpcli.api import budget_impact_of
from atmpcli.report import figures as F
from atmpcli.report.figures.psa import CHI2_2_95, ellipse
from atmpcli.report.figures.style import OKABE_ITO, colours, money_formatter
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

plt = F.pyplot()
from matplotlib.colors import to_hex  # noqa: E402  (after pyplot(): the Agg backend is chosen first)
from matplotlib.lines import AxLine  # noqa: E402


@pytest.fixture(scope="module")
def cart():
    return compare(load_scenario(bundled("cart_pediatric_all")))


@pytest.fixture(scope="module")
def sick_psa():
    sc = load_scenario(bundled("sick_sicker"))
    return summarise_psa(run_psa(sc, 400, 1), list(range(0, 300_001, 25_000)), model=sc, population=10_000)


def texts_inside(fig) -> None:
    """Everything drawn (labels, ticks, titles, legends, annotations) lies inside the figure: the tight
    box matplotlib computes over the rendered artists is within the figure's own box."""
    fig.canvas.draw()
    tight, box = fig.get_tightbbox(fig.canvas.get_renderer()), fig.bbox_inches
    assert box.x0 - 0.02 <= tight.x0 and tight.x1 <= box.x1 + 0.02, (tight, box)
    assert box.y0 - 0.02 <= tight.y0 and tight.y1 <= box.y1 + 0.02, (tight, box)


def legend_labels(fig) -> list[list[str]]:
    legends = [leg for ax in fig.get_axes() for leg in [ax.get_legend()] if leg] + fig.legends
    legends += [leg for sub in fig.subfigs for leg in sub.legends]
    return [[t.get_text() for t in leg.get_texts()] for leg in legends]


def axes_titled(fig, start: str):
    return next(ax for ax in fig.get_axes() if ax.get_title(loc="left").startswith(start))


def test_ce_plane_has_frontier_icers_wtp_lines_and_unclipped_labels(cart):
    fig = F.draw_comparison(cart)
    ax = axes_titled(fig, "Cost-effectiveness plane")
    s = cart.strategies.set_index("strategy")
    first = cart.incremental.frontier[0]
    lines = [a for a in ax.get_lines() if isinstance(a, AxLine)]
    assert sorted(a._slope for a in lines) == sorted(cart.wtp)  # one WTP line per threshold...
    for a in lines:  # ...through the cheapest strategy on the frontier
        assert a._xy1 == pytest.approx((s.at[first, "effect"], s.at[first, "cost"]))
    frontier = next(a for a in ax.get_lines() if a.get_label() == "efficiency frontier")
    assert list(frontier.get_xdata()) == pytest.approx([s.at[n, "effect"] for n in cart.incremental.frontier])
    icer = float(cart.strategies.set_index("strategy").at["cart_paid_on_result", "icer"])
    labels = [t.get_text() for t in ax.texts]
    assert f"ICER {icer:,.0f}" in labels  # 31,396: the table's ICER of the frontier segment
    assert {"salvage", "cart", "cart_paid_on_result"} <= set(labels)
    texts_inside(fig)
    frame = ax.get_window_extent()
    for t in ax.texts:  # labels stay inside the plane, not over its edge
        assert frame.contains(*t.get_window_extent().p0) and frame.contains(*t.get_window_extent().p1), t
    for names in legend_labels(fig):
        assert len(names) == len(set(names))
    assert "cart (dominated)" in legend_labels(fig)[0]
    plt.close(fig)


def test_a_strategy_has_one_colour_in_every_figure(cart):
    col = colours(list(cart.strategies["strategy"]))
    assert list(col.values()) == OKABE_ITO[:3]
    fig = F.draw_comparison(cart)
    plane = axes_titled(fig, "Cost-effectiveness plane")
    for coll, name in zip(plane.collections, cart.strategies["strategy"], strict=True):
        assert to_hex(coll.get_edgecolor()[0]) == col[name].lower()
    for ax in (a for a in fig.get_axes() if a.get_title(loc="left") in ("Remission", "Relapsed", "Dead")):
        for line in ax.get_lines():
            assert to_hex(line.get_color()) == col[line.get_label()].lower()
    pay = axes_titled(fig, "What the payer pays")
    assert {to_hex(p.get_facecolor()) for p in pay.patches} == {col["cart_paid_on_result"].lower()}
    plt.close(fig)


def test_trace_shows_every_strategy_in_one_panel_per_state(cart):
    fig = F.draw_comparison(cart)
    states = [cart.state_labels.get(s, s) for s in dict.fromkeys(cart.trace["state"])]
    for state in states:
        ax = axes_titled(fig, state)
        assert [line.get_label() for line in ax.get_lines()] == list(cart.strategies["strategy"])
    plt.close(fig)


def test_payment_years_are_whole(cart):
    fig = F.draw_comparison(cart)
    ax = axes_titled(fig, "What the payer pays")
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks == [0, 1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    plt.close(fig)


def test_zero_costs_do_not_print_minus_zero(cart):
    zero = cart.strategies.assign(cost=0.0)
    names = list(zero["strategy"])
    flat = dataclasses.replace(
        cart, strategies=zero, incremental=incremental_analysis(names, [0.0] * 3, list(zero["effect"]))
    )
    fig = plt.figure()
    ax = fig.subplots()
    from atmpcli.report.figures.comparison import ce_plane

    ce_plane(ax, flat)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "-0" not in labels and "0" in labels
    assert len(set(labels)) == len(labels)  # not "0, 0, 0": the flat axis got a range of its own
    plt.close(fig)


def test_money_ticks_take_the_decimals_their_spacing_needs():
    f = money_formatter()
    f.set_locs([-0.04, -0.02, 0.0, 0.02, 0.04])
    assert [f(x) for x in (-0.04, -1e-17, 0.02)] == ["-0.04", "0.00", "0.02"]
    f.set_locs([-1.0, -0.75, -0.5])
    assert f(-0.75) == "-0.75"
    f.set_locs([0, 250_000, 500_000])
    assert f(-1e-9) == "0" and f(250_000) == "250,000"
    m = money_formatter(1e6)
    m.set_locs([0, 10e6, 20e6])
    assert m(20e6) == "20"


def test_a_small_money_range_keeps_enough_ticks():
    """An EVPI of about one pound (cyp2c19_stroke) must not be read off two ticks, 0 and 1."""
    from atmpcli.report.figures.style import money_axis

    fig = plt.figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1.4])
    money_axis(ax.yaxis, [0, 1.4])
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]]
    assert len(labels) >= 4 and "0.4" in labels
    plt.close(fig)


def test_psa_plane_has_the_wtp_line_through_the_origin_and_95_percent_ellipses(sick_psa):
    fig = F.draw_psa(sick_psa, wtp=[100_000])
    ax = axes_titled(fig, "Incremental cost-effectiveness plane")
    (wtp,) = [a for a in ax.get_lines() if isinstance(a, AxLine)]
    assert wtp._slope == 100_000 and wtp._xy1 == (0, 0)
    rings = [a for a in ax.get_lines() if (a.get_gid() or "").startswith("ellipse")]
    assert [r.get_gid() for r in rings] == ["ellipse A", "ellipse B", "ellipse AB"]
    labels = legend_labels(fig)
    assert labels[0] == ["A", "B", "AB", "mean", "95% ellipse (bivariate normal)", "WTP 100,000 USD/QALY"]
    texts_inside(fig)
    plt.close(fig)


def test_the_ellipse_holds_95_percent_of_a_bivariate_normal():
    rng = np.random.default_rng(7)
    cov = np.array([[0.04, 900.0], [900.0, 4e7]])  # QALYs and costs: scales 10^5 apart, correlated 0.71
    xy = rng.multivariate_normal([1.0, 50_000.0], cov, size=40_000)
    ring = ellipse(xy[:, 0], xy[:, 1])
    from matplotlib.path import Path

    inside = Path(ring).contains_points(xy).mean()
    assert inside == pytest.approx(0.95, abs=0.005)  # chi-squared(2) 95% quantile: 5.9915
    assert CHI2_2_95 == pytest.approx(-2 * math.log(0.05))  # the closed form for 2 degrees of freedom
    assert ellipse(np.arange(5.0), 2 * np.arange(5.0)) is None  # samples on a line: no ellipse


def test_ceac_draws_the_ceaf_as_a_line_and_evpi_under_it(sick_psa):
    fig = F.draw_psa(sick_psa)
    ceac = axes_titled(fig, "Cost-effectiveness acceptability")
    evpi = axes_titled(fig, "Expected value of perfect information")
    ceaf = next(a for a in ceac.get_lines() if a.get_label().startswith("CEAF"))
    assert ceaf.get_linestyle() == "-" and ceaf.get_marker() in ("None", None, "")
    assert list(ceaf.get_ydata()) == pytest.approx(list(sick_psa.ceaf))
    # an EVPI below a millionth of a currency unit is rounding (here 2.9e-11 at threshold 0): drawn as 0
    drawn = np.where(np.abs(sick_psa.evpi) < 1e-6, 0.0, sick_psa.evpi)
    assert sick_psa.evpi[0] != 0 and list(evpi.get_lines()[0].get_ydata()) == pytest.approx(list(drawn))
    assert evpi.get_xlabel() == "Willingness to pay (USD/QALY)"
    fig.canvas.draw()
    legend = fig.subfigs[1].legends[0].get_window_extent()
    for ax in (ceac, evpi):  # the legend sits under the panels, covering no curve
        assert legend.y1 <= ax.get_tightbbox().y0 + 1 or not legend.overlaps(ax.get_window_extent())
    assert any("population of 10,000" in t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    plt.close(fig)


@pytest.fixture(scope="module")
def sick_tornado():
    return D.sensitivity(load_scenario(bundled("sick_sicker")), strategy="A", wtp=100_000)


def test_tornado_labels_ranges_base_line_and_bars_that_do_not_hide(sick_tornado):
    ow = sick_tornado
    fig = F.draw_tornado(ow)
    ax = fig.get_axes()[0]
    top = ow.rows[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == f"{top['parameter']} ({top['low']:,.0f}–{top['high']:,.0f})"  # c_trtA (9,416–14,898)
    base = [a for a in ax.get_lines() if a.get_label().startswith("base case")]
    assert base[0].get_xdata()[0] == pytest.approx(ow.base_value)
    assert ax.get_xlabel() == "Incremental net monetary benefit of A vs SoC at 100,000 USD/QALY (USD)"
    bars = ax.patches
    for i, a in enumerate(bars):
        for b in bars[i + 1 :]:
            w = min(a.get_x() + a.get_width(), b.get_x() + b.get_width()) - max(a.get_x(), b.get_x())
            wa, wb = sorted([a.get_x(), a.get_x() + a.get_width()]), sorted([b.get_x(), b.get_x() + b.get_width()])
            w = min(wa[1], wb[1]) - max(wa[0], wb[0])
            h = min(a.get_y() + a.get_height(), b.get_y() + b.get_height()) - max(a.get_y(), b.get_y())
            assert w <= 1e-9 or h <= 1e-9  # no bar covers part of another
    texts_inside(fig)
    assert all(len(n) == len(set(n)) for n in legend_labels(fig))
    plt.close(fig)


def test_same_side_bars_share_their_row_at_half_height(sick_tornado):
    ow = sick_tornado
    b = ow.base_value
    both = dataclasses.replace(
        ow, ranges=ow.ranges[:1], low_values=np.array([b + 10.0]), high_values=np.array([b + 30.0]), outcome="icer"
    )
    fig = F.draw_tornado(both)
    ax = fig.get_axes()[0]
    low, high = ax.patches
    assert low.get_height() == pytest.approx(high.get_height()) and low.get_height() < 0.5
    assert low.get_y() >= high.get_y() + high.get_height() - 1e-9  # one above the other, not on top of it
    assert ax.get_xlabel() == "ICER of A vs SoC (USD/QALY)"
    plt.close(fig)


def test_budget_years_are_whole_and_labels_fit():
    result = budget_impact_of(load_scenario(bundled("cart_belgium_budget")))
    fig = F.draw_budget(result)
    fig.canvas.draw()
    for ax in fig.get_axes():
        assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in range(1, result.years + 1)]
        assert "million EUR" in ax.get_ylabel()
    texts_inside(fig)
    plt.close(fig)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_every_format_is_written_and_readable(cart, suffix, tmp_path):
    path = tmp_path / f"plane{suffix}"
    F.comparison_figure(cart, path)
    data = path.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif suffix == ".pdf":
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    else:
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        text = data.decode()
        assert "cart_paid_on_result" in text or "<path" in text


def test_a_figure_file_must_be_png_svg_or_pdf(cart, tmp_path):
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        F.comparison_figure(cart, tmp_path / "plane.gif")


def test_matplotlib_is_imported_only_when_a_figure_is_drawn():
    code = "import sys, atmpcli.cli, atmpcli.report.figures, atmpcli.report.survival_figures; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_survival_figure_in_pdf_with_every_fit_and_its_legend(tmp_path):
    from atmpcli.api import fit_survival
    from atmpcli.report.survival_figures import draw_fits, fits_figure
    from tests.conftest import ROOT

    data = ROOT / "examples" / "survival"
    fits = fit_survival(
        data / "ovarian.csv", dist="weibull,lnorm", cure=True,
        life_table=data / "england_life_table_2017_19.csv", start_age=56, female=1,
    )  # fmt: skip
    fig = draw_fits(fits)
    survival = axes_titled(fig, "Survival, extrapolated")
    models = {c.model for c in fits.curves if c.usable}
    assert models <= {line.get_label() for line in survival.get_lines()}
    (legend,) = legend_labels(fig)
    assert {"Kaplan-Meier", "general population", "observed hazard (events / person-time)"} <= set(legend)
    assert len(legend) == len(set(legend))
    texts_inside(fig)
    plt.close(fig)
    fits_figure(fits, tmp_path / "fits.pdf")
    assert (tmp_path / "fits.pdf").read_bytes().startswith(b"%PDF-")
    with pytest.raises(ValueError, match="not '.gif'"):
        fits_figure(fits, tmp_path / "fits.gif")


@pytest.fixture(scope="module")
def sick_two_way():
    sc = load_scenario(bundled("sick_sicker"))
    a, b = D.ranges(sc, ["c_trtB", "u_S1"])
    return D.two_way(sc, a, b, 5, outcome="inc_nmb", strategy="B", comparator="SoC", wtp=150_000)


def test_two_way_map_shows_the_optimal_strategy_and_the_outcome_per_cell(sick_two_way):
    tw = sick_two_way
    fig = F.draw_two_way(tw)
    left = axes_titled(fig, "Highest net monetary benefit at 150,000 USD/QALY")
    right = axes_titled(fig, "The outcome")
    assert (left.get_xlabel(), left.get_ylabel()) == ("c_trtB", "u_S1")
    # the cells are the grid: one per pair of values, coloured by the optimal strategy's colour
    mesh = left.collections[0]
    fig.canvas.draw()  # the cells get their colours when drawn
    assert mesh.get_array().shape == (5, 5)
    col = colours(["SoC", "A", "B", "AB"])
    assert set(legend_labels(fig)[0]) == {s for row in tw.optimal for s in row}
    for j in range(5):
        for i in range(5):  # pcolormesh's cells run along the x axis (a) first, row by row in b
            face = to_hex(mesh.get_facecolors()[j * 5 + i])
            assert face == col[tw.optimal[i][j]].lower()
    values = right.collections[0].get_array().reshape(5, 5)
    assert np.allclose(values.T, tw.values)  # the outcome itself, not a rescaling
    assert left.get_xticklabels()[0].get_text() == f"{tw.a_values[0]:,.0f}"
    texts_inside(fig)
    plt.close(fig)


def test_two_way_map_draws_the_zero_line_where_the_decision_changes(sick_two_way):
    tw = dataclasses.replace(sick_two_way, values=sick_two_way.values - np.median(sick_two_way.values))
    fig = F.draw_two_way(tw)
    right = axes_titled(fig, "The outcome")
    assert "black line" in right.get_title(loc="left")
    assert len(right.collections) == 2  # the cells and the 0 contour
    plt.close(fig)
    fig = F.draw_two_way(sick_two_way)  # every cell positive: no line, and the title does not promise one
    assert axes_titled(fig, "The outcome").get_title(loc="left") == "The outcome"
    plt.close(fig)


def test_cohort_trace_has_one_panel_per_strategy_and_one_line_per_state():
    from atmpcli.analysis.trace import cohort_trace

    result = cohort_trace(load_scenario(bundled("cyp2c19_stroke")), None)
    fig = F.draw_trace(result)
    panels = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == result.strategies
    for ax in panels:
        assert len(ax.get_lines()) == len(result.states)
        first = ax.get_lines()[0]
        mine = result.trace[
            (result.trace["strategy"] == ax.get_title(loc="left")) & (result.trace["state"] == "Protected")
        ]
        assert np.allclose(first.get_ydata(), mine["proportion"])
        assert all(float(t).is_integer() for t in ax.get_xticks())  # whole years, not 2.5
    assert legend_labels(fig) == [["Protected", "Unprotected", "PostStroke", "Dead"]]
    texts_inside(fig)
    plt.close(fig)


def test_long_strategy_names_are_keys_on_the_plane_and_names_in_the_legend():
    cmp = compare(load_scenario(bundled("cyp2c19_stroke")))
    fig = F.pyplot().figure(figsize=(8, 6), layout="constrained")
    ax = fig.subplots()
    from atmpcli.report.figures.comparison import ce_plane

    ce_plane(ax, cmp)
    on_plane = {t.get_text() for t in ax.texts if not t.get_text().startswith("ICER")}
    assert on_plane == {"1", "2", "3", "4", "5", "6"}
    legend = legend_labels(fig)[0]
    assert "1: treat_all_clopidogrel (dominated)" in legend and "2: treat_all_alternative" in legend
    texts_inside(fig)
    plt.close(fig)


def test_a_figure_that_fails_to_draw_leaves_the_old_file_and_no_temporary(cart, tmp_path, monkeypatch):
    path = tmp_path / "plane.png"
    path.write_bytes(b"old")
    fig = F.pyplot().figure()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError):
        F.save_figure(fig, path)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["plane.png"]


def test_an_evpi_of_rounding_size_reads_0_not_a_column_of_zeros(sick_psa):
    """One strategy best in every sample: the EVPI is 0 up to rounding (1e-10), which used to give an axis
    whose every tick read "0"."""
    tiny = dataclasses.replace(sick_psa, evpi=np.full(len(sick_psa.evpi), 1e-10))
    fig = F.draw_psa(tiny)
    evpi = axes_titled(fig, "Expected value of perfect information")
    fig.canvas.draw()
    assert evpi.get_ylim() == (0.0, 1.0)
    ticks = [t.get_text() for t in evpi.get_yticklabels()]
    assert len(set(ticks)) == len(ticks) > 2  # distinct labels
    plt.close(fig)
