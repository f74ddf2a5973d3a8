"""The worked chain on CLL8 (bundled scenario cll8_fcr_psm): digitised KM -> reconstruct -> fit -> PSM -> compare.

Published numbers (Fischer K et al. Long-term remissions after FCR chemoimmunotherapy in previously untreated
patients with CLL: updated results of the CLL8 trial. Blood 2016;127:208-215, abstract): median overall
survival 86.0 months with FC, not reached with FCR; hazard ratio 0.68 (95 % CI 0.54-0.89).
"""

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from typer.testing import CliRunner

from atmpcli.analysis.compare import compare
from atmpcli.analysis.survival.data import read_life_table
from atmpcli.cli import app
from atmpcli.model.cycle_correction_and_discounting import correction_weights
from atmpcli.model.lifetable import population_cumhaz
from atmpcli.scenario.compile import load_scenario
from tests.conftest import ROOT, SCENARIOS, bundled

CLL8 = ROOT / "examples" / "survival" / "cll8"


@pytest.mark.parametrize("arm", ["fcr", "fc"])
def test_reconstruction_gives_the_bundled_patients(arm, tmp_path):
    out = tmp_path / "ipd.csv"
    result = CliRunner().invoke(
        app,
        [
            "survival",
            "reconstruct",
            str(CLL8 / f"os_{arm}_km.csv"),
            "--at-risk",
            str(CLL8 / f"os_{arm}_at_risk.csv"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert out.read_text() == (SCENARIOS / f"cll8_os_{arm}_ipd.csv").read_text()


def test_the_sources_at_risk_table_is_rejected_where_it_rises(tmp_path):
    table = tmp_path / "at_risk.csv"
    table.write_text("time,at_risk\n0,409\n12,360\n24,232\n36,297\n48,262\n60,220\n72,100\n84,33\n96,1\n")
    result = CliRunner().invoke(
        app,
        ["survival", "reconstruct", str(CLL8 / "os_fc_km.csv"), "--at-risk", str(table), "-o", str(tmp_path / "x.csv")],
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {table}:5: at_risk: 297 at risk is more than the 232 of the row before"


def _patients() -> pd.DataFrame:
    fcr = pd.read_csv(SCENARIOS / "cll8_os_fcr_ipd.csv").assign(fcr=1)
    fc = pd.read_csv(SCENARIOS / "cll8_os_fc_ipd.csv").assign(fcr=0)
    return pd.concat([fcr, fc], ignore_index=True)


def test_reconstruction_reproduces_the_published_medians_and_hazard_ratio():
    d = _patients()
    assert (d.fcr == 1).sum() == 408 and (d.fcr == 0).sum() == 409  # 817 randomised
    fc = KaplanMeierFitter().fit(d.time[d.fcr == 0], d.event[d.fcr == 0])
    fcr = KaplanMeierFitter().fit(d.time[d.fcr == 1], d.event[d.fcr == 1])
    assert fc.median_survival_time_ == pytest.approx(86.0, abs=0.1)  # published 86.0 months
    assert math.isinf(fcr.median_survival_time_)  # published: not reached
    cox = CoxPHFitter().fit(d[["time", "event", "fcr"]], "time", "event")
    hr = float(cox.hazard_ratios_["fcr"])
    low, high = np.exp(cox.confidence_intervals_.loc["fcr"])
    assert hr == pytest.approx(0.68, rel=0.02)  # published 0.68 (0.54-0.89)
    assert 0.54 <= hr <= 0.89 and low == pytest.approx(0.54, abs=0.02) and high < 0.89


def test_the_psm_counts_the_fitted_curves_with_their_floor():
    sc = load_scenario(bundled("cll8_fcr_psm"))
    life_years = compare(sc).frame.set_index("strategy")["life_years"]
    table = read_life_table(SCENARIOS / "england_life_table_2017_19.csv")
    n, dt = sc.n_cycles, sc.settings.cycle_length
    t = np.arange(n + 1) * dt
    population = population_cumhaz(table, 61, 0.5, 1.0, t)
    for arm in ("fc", "fcr"):
        shape = float(sc.parameters[f"os_{arm}_shape"].formula.evaluate({}))
        rate = float(sc.parameters[f"os_{arm}_rate"].formula.evaluate({}))
        gompertz = rate / shape * np.expm1(shape * 12 * t)  # H(t), the curve in months
        cumhaz = np.concatenate([[0.0], np.cumsum(np.maximum(np.diff(gompertz), np.diff(population)))])
        w = correction_weights("half-cycle", n) * 1.035**-t * dt
        assert life_years[arm] == pytest.approx(float(np.exp(-cumhaz) @ w), rel=1e-12)
