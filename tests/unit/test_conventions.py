"""Counting conventions, within-cycle corrections and discounting (docs/methods.md)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from atmpcli.model.cycle_correction_and_discounting import correction_weights, reward_weights


def test_weight_vectors_for_four_cycles():
    assert_allclose(correction_weights("beginning", 4), [1, 1, 1, 1, 0])
    assert_allclose(correction_weights("end", 4), [0, 1, 1, 1, 1])
    assert_allclose(correction_weights("half-cycle", 4), [0.5, 1, 1, 1, 0.5])
    assert_allclose(correction_weights("life-table", 4), [0.5, 1, 1, 1, 0.5])
    assert_allclose(correction_weights("none", 4), [1, 1, 1, 1, 1])
    assert_allclose(correction_weights("simpson", 4), [1 / 3, 4 / 3, 2 / 3, 4 / 3, 1 / 3])
    assert_allclose(correction_weights("simpson-darth", 4), [1 / 3, 2 / 3, 4 / 3, 2 / 3, 1 / 3])


def test_simpson_darth_has_darth_end_weights_on_odd_n():
    w = correction_weights("simpson-darth", 75)
    assert w[0] == w[75] == pytest.approx(1 / 3)
    assert w[1] == pytest.approx(2 / 3) and w[74] == pytest.approx(4 / 3)


def test_textbook_simpson_integrates_a_cubic_exactly():
    t = np.linspace(0, 1, 11)
    assert (correction_weights("simpson", 10) * t**3).sum() * 0.1 == pytest.approx(0.25)


def test_simpson_needs_even_cycles():
    with pytest.raises(ValueError):
        correction_weights("simpson", 3)


def test_zero_discount_is_the_plain_correction():
    for method in ("beginning", "end", "life-table", "simpson-darth"):
        assert_allclose(reward_weights(method, 6, 0.0, 1.0), correction_weights(method, 6))


def test_discount_by_time_point_and_cycle_length():
    w = reward_weights("none", 4, 0.05, 0.5)
    assert_allclose(w, [1.05 ** (-0.5 * t) for t in range(5)])


def test_cycle_start_discounting_is_heemods_k_minus_one():
    # life-table: cycle k counts (m[k-1] + m[k]) / 2, discounted at k - 1
    d = [1.1**-0, 1.1**-1, 1.1**-2]
    expected = [d[0] / 2, (d[0] + d[1]) / 2, (d[1] + d[2]) / 2, d[2] / 2]
    assert_allclose(reward_weights("life-table", 3, 0.1, 1.0, "cycle-start"), expected)
    assert_allclose(reward_weights("end", 3, 0.1, 1.0, "cycle-end"), [0, 1.1**-1, 1.1**-2, 1.1**-3])
    with pytest.raises(ValueError):
        reward_weights("simpson", 4, 0.1, 1.0, "cycle-start")


def test_year_start_discounts_every_cycle_of_a_model_year_alike():
    # monthly cycles: time points 0..12 (the start and the first year's cycles) undiscounted, 13..24 by one year
    w = reward_weights("none", 25, 0.04, 0.08333333333333333, "year-start")
    assert_allclose(w, [1.0] * 13 + [1.04**-1] * 12 + [1.04**-2])
    # quarterly cycles with half-cycle weights: the correction times the year's factor
    assert_allclose(reward_weights("half-cycle", 5, 0.1, 0.25, "year-start"), [0.5, 1, 1, 1, 1, 0.5 / 1.1])
    # yearly cycles counted at their end: each cycle discounted at its start, as heemod's cycle-start
    assert_allclose(reward_weights("end", 4, 0.1, 1.0, "year-start"), reward_weights("end", 4, 0.1, 1.0, "cycle-start"))
