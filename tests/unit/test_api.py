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


def test_readable_reprs():
    model = atmpcli.load("sick_sicker", reference_case="uk_nice_2026")
    text = repr(model)
    assert text.startswith("<atmpcli Model 'sick_sicker': ")
    assert "strategies: SoC (comparator), A, B, AB" in text and "discount 0.035/0.035" in text
    assert "overrides: {'reference_case': 'uk_nice_2026'}" in text
    result = model.results.compare()
    lines = repr(result).splitlines()
    assert lines[0].startswith("Comparison: ") and lines[1] == "USD, effect qalys, per person"
    assert lines[2] == "4 rows x 26 columns; other tables: incremental, payments, trace, long, survival"
    assert "strategy" in lines[3] and "SoC" in lines[4]


def test_results_know_their_units_provenance_and_tables():
    model = atmpcli.load("cart_pediatric_all", sets={"c_salvage": 100000.0})
    psa = model.results.psa(samples=50, seed=3)
    assert psa.units.currency == "USD" and psa.units.price_year == 2018 and psa.units.effect == "qalys"
    assert psa.provenance.seed == 3 and psa.provenance.overrides["set"] == {"c_salvage": 100000.0}
    assert psa.provenance.illustrative is True
    assert list(psa.tables()) == ["summary", "strategies"]
    by_strategy = psa.tables()["strategies"].set_index("strategy")
    long = psa.frame
    assert (
        by_strategy.loc["cart", "cost_sd"] == long.query("measure == 'cost_sd' and strategy == 'cart'")["value"].item()
    )
    assert psa.document()["provenance"] == psa.provenance.to_dict()


def test_readme_python_example_runs(monkeypatch, tmp_path):
    import re

    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    block = re.search(r"## Python\n\n```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S).group(1)
    block = block.replace("samples=1000", "samples=100").replace('"sick_sicker.xlsx"', repr(str(tmp_path / "x.xlsx")))
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "x.xlsx").stat().st_size > 0


def test_survival_checks_and_warnings(tmp_path):
    from tests.cli.test_survival_scenario_cli import BASE

    checks = atmpcli.load("cll8_fcr_psm").survival_checks()
    assert list(checks["curve"]) == ["os_fc", "os_fcr"]
    assert (checks["points_above_general_population"] == 0).all()
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("sdlog: 1.1}}", "sdlog: 1.1}, cure: 0.6}"))  # outlives the population
    with pytest.warns(UserWarning, match="curve os is above general-population survival"):
        atmpcli.load(path).compare()
