"""The Python API returns DataFrames with the CLI's numbers."""

import pytest

import atmpcli


def test_compare_frame():
    df = atmpcli.load("hiv_chancellor").compare().set_index("strategy")
    assert df.loc["combination", "icer"] == pytest.approx(6275.9556, rel=1e-8)
    assert list(df.columns)[:3] == ["label", "comparator", "cost"]


def test_sets_variant_and_psa():
    model = atmpcli.load("cart_pediatric_all", variant="conservative_durability", sets={"c_salvage": 100000.0})
    assert model.scenario.overrides["variant"] == "conservative_durability"
    psa = atmpcli.load("sick_sicker").psa(samples=300, seed=2, wtp=[100000])
    ceac = psa[psa.measure == "prob_cost_effective"]["value"]
    assert ceac.sum() == pytest.approx(1.0)
    samples = atmpcli.load("sick_sicker").psa(samples=50, seed=2, per_sample=True)
    assert len(samples) == 50 and "cost_SoC" in samples and "c_trtA" in samples


def test_dsa_threshold_budget():
    assert atmpcli.load("sick_sicker").dsa(strategy="B", wtp=100000).iloc[0]["parameter"] == "c_trtB"
    thr = atmpcli.load("cart_pediatric_all").threshold("c_tisagenlecleucel", "cart_paid_on_result", [100000])
    assert thr.iloc[0]["threshold"] > 475000
    bia = atmpcli.load("cart_belgium_budget").budget_impact()
    assert set(bia["world"]) == {"without", "with", "incremental"}


def test_survival_checks_and_warnings(tmp_path):
    from tests.cli.test_survival_scenario_cli import BASE

    checks = atmpcli.load("cll8_fcr_psm").survival_checks()
    assert list(checks["curve"]) == ["os_fc", "os_fcr"]
    assert (checks["points_above_general_population"] == 0).all()
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("sdlog: 1.1}}", "sdlog: 1.1}, cure: 0.6}"))  # outlives the population
    with pytest.warns(UserWarning, match="curve os is above general-population survival"):
        atmpcli.load(path).compare()
