"""Doubilet et al.'s herpes simplex encephalitis tree (bundled as doubilet_hse): multiplicative utilities
with path values.

Source: Doubilet P, Begg CB, Weinstein MC, Braun P, McNeil BJ. Probabilistic sensitivity analysis using
Monte Carlo simulation: a practical approach. Med Decis Making 1985;5(2):157-177, Table 2 (p. 168),
baseline expected utility: brain biopsy 0.558, no biopsy and treat 0.566, no biopsy and do not treat 0.494.
The inputs are those transcribed from the paper in github.com/hjalal/gmod
(vignettes/D3_dec_tree_Doubilet_1985_example.Rmd). ``_by_hand`` rolls the tree back independently of
atmpcli's code (conditional expectations node by node, not the sum over the 49 + 8 + 8 leaves).
"""

import numpy as np
import pytest

from atmpcli.analysis.compare import compare
from atmpcli.model.evaluate import evaluate
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

BASE = dict(
    p_hse=0.4, p_die_biopsy=0.004, p_sev_biopsy=0.01, p_mod_biopsy=0.03, sens=0.95, spec=0.99,
    p_die_hse=0.7, p_sev_hse=0.333, p_mod_hse=0.5, f_die=0.37, f_sev=0.2, f_mod=0.2,
    p_die_no=0.18, p_sev_no=0.122, p_mod_no=0.139, a_die=0.004, a_sev=0.01, a_mod=0.02,
    u_sev=0.02, u_mod=0.8, u_mild=1.0,
)  # fmt: skip


def _by_hand(v):
    """Expected utility of each strategy: Doubilet's tree folded back by conditional expectations."""

    def outcome(die, sev, mod):  # expected utility of the disease's course; death counts 0
        return (1 - die) * (sev * v["u_sev"] + (1 - sev) * (mod * v["u_mod"] + (1 - mod) * v["u_mild"]))

    def either(p, a):  # another disease treated with vidarabine: its own risk or the drug's toxicity
        return p + a - p * a

    hse_treated = outcome(*(v[f"p_{k}_hse"] * (1 - v[f"f_{k}"]) for k in ("die", "sev", "mod")))
    hse_untreated = outcome(v["p_die_hse"], v["p_sev_hse"], v["p_mod_hse"])
    other_treated = outcome(*(either(v[f"p_{k}_no"], v[f"a_{k}"]) for k in ("die", "sev", "mod")))
    other_untreated = outcome(v["p_die_no"], v["p_sev_no"], v["p_mod_no"])
    prev, sens, spec = v["p_hse"], v["sens"], v["spec"]
    after_biopsy = prev * (sens * hse_treated + (1 - sens) * hse_untreated) + (1 - prev) * (
        (1 - spec) * other_treated + spec * other_untreated
    )
    sev, mod = v["p_sev_biopsy"], v["p_mod_biopsy"]
    sequela = sev * v["u_sev"] + (1 - sev) * (mod * v["u_mod"] + (1 - mod) * v["u_mild"])  # expected factor
    return {
        "biopsy": (1 - v["p_die_biopsy"]) * sequela * after_biopsy,
        "treat": prev * hse_treated + (1 - prev) * other_treated,
        "no_treatment": prev * hse_untreated + (1 - prev) * other_untreated,
    }


def test_expected_utilities_as_published_in_table_2():
    rows = {r["strategy"]: r for r in compare(load_scenario(bundled("doubilet_hse"))).rows}
    published = {"biopsy": 0.558, "treat": 0.566, "no_treatment": 0.494}
    for name, value in published.items():
        assert round(rows[name]["qalys"], 3) == value
    hand = _by_hand(BASE)
    for name in published:
        assert rows[name]["qalys"] == pytest.approx(hand[name], abs=1e-14)
        assert rows[name]["life_years"] == 0.0 and rows[name]["cost"] == 0.0
    assert rows["treat"]["status"] == "ND" and rows["biopsy"]["status"] == "D"


def test_path_values_are_evaluated_per_sample():
    sc = load_scenario(bundled("doubilet_hse"))
    rng = np.random.default_rng(7)
    draws = {
        "p_hse": rng.uniform(0.1, 0.9, 64),
        "u_sev": rng.uniform(0.0, 0.2, 64),
        "u_mod": rng.uniform(0.5, 0.9, 64),
        "f_die": rng.uniform(0.2, 0.5, 64),
        "sens": rng.uniform(0.8, 1.0, 64),
    }
    hand = _by_hand({**BASE, **draws})
    for outcome in evaluate(sc, draws, samples=64):
        np.testing.assert_allclose(outcome.qalys, hand[outcome.strategy], rtol=0, atol=1e-14)
