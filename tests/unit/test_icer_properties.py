"""Properties of the incremental analysis that hold for any set of strategies."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from atmpcli.analysis.dominance_and_icers import incremental_analysis

points = st.lists(
    st.tuples(
        st.floats(0, 1e6, allow_nan=False, allow_subnormal=False),
        st.floats(0, 50, allow_nan=False).map(lambda x: round(x, 6)),
    ),
    min_size=1,
    max_size=8,
)


def run(pts, scale=1.0):
    names = [f"s{i}" for i in range(len(pts))]
    return incremental_analysis(names, [c * scale for c, _ in pts], [e for _, e in pts])


@given(points, st.sampled_from([0.5, 2.0, 1000.0]))
def test_rescaling_costs_scales_icers_and_keeps_statuses(pts, scale):
    a, b = run(pts), run(pts, scale)
    assert a.status == b.status
    np.testing.assert_allclose(b.icer, a.icer * scale, rtol=1e-9, equal_nan=True)


@given(points)
def test_frontier_icers_increase(pts):
    res = run(pts)
    icers = [res.icer[res.strategies.index(s)] for s in res.frontier[1:]]
    assert all(x <= y * (1 + 1e-9) + 1e-9 for x, y in zip(icers, icers[1:], strict=False))
    assert all(i > 0 for i in icers)
    assert len(res.frontier) >= 1


@given(points, st.floats(1, 1e6))
def test_the_strategy_with_the_highest_nmb_is_on_the_frontier(pts, wtp):
    res = run(pts)
    nmb = [wtp * e - c for c, e in pts]
    best = max(nmb)
    winners = {f"s{i}" for i, v in enumerate(nmb) if v >= best - 1e-6 * max(1.0, abs(best))}
    assert winners & set(res.frontier)
