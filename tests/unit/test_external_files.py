"""Per-sample PSA files from other tools load as they are written.

The published example files (dampack's ``example_psa``, BCEA's ``Vaccine``, voi's ``chemo_cea`` and
``chemo_pars``, heemod's ``run_psa()`` table) ship under GPL-3, so they are not bundled: the files here
have exactly the header, quoting and row-name column that R's ``write.csv()`` gives for them (checked
with R 4.2.2 on the real objects), with made-up numbers.
"""

from pathlib import Path

import numpy as np
import pytest

from atmpcli.errors import ScenarioError
from atmpcli.scenario.external import read_draws, read_results


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_dampack_example_psa(tmp_path):
    # write.csv(data.frame(example_psa$parameters, example_psa$cost, example_psa$effectiveness))
    head = (
        '"","pFailChemo","pFailRadio","pFailSurg","pDieSurg","muDieCancer","cChemo","cRadio","cSurg",'
        '"Chemo_Cost","Radio_Cost","Surg_Cost","Chemo_Eff","Radio_Eff","Surg_Eff"\n'
    )
    rows = '"1",0.4,0.5,0.1,0.1,0.1,22000,5000,29000,33000,9000,29000,12.7,12.1,11.3\n'
    rows += '"2",0.42,0.42,0.04,0.09,0.29,21000,14000,28000,30000,19700,28500,9.9,9.9,10.2\n'
    r = read_results(write(tmp_path, "example_psa.csv", head + rows))
    assert r.strategies == ["Chemo", "Radio", "Surg"] and r.layout == "<s>_cost/<s>_effect"
    assert r.costs[1].tolist() == [30000, 19700, 28500] and r.effects[0].tolist() == [12.7, 12.1, 11.3]
    assert list(r.parameters) == [
        "pFailChemo",
        "pFailRadio",
        "pFailSurg",
        "pDieSurg",
        "muDieCancer",
        "cChemo",
        "cRadio",
        "cSurg",
    ]
    assert r.ignored == ["(unnamed)"]  # R's row names


def test_bcea_vaccine(tmp_path):
    # e <- eff; c <- cost; colnames(e) <- colnames(c) <- treats; write.csv(data.frame(e = e, c = c))
    text = '"","e.Status.Quo","e.Vaccination","c.Status.Quo","c.Vaccination"\n'
    text += '"1",-0.00104666680245719,-0.000898602617772316,10.4091458353047,16.2525370199803\n'
    text += '"2",-0.000883610453941951,-0.000732041644684859,5.83487456586339,9.37343749335483\n'
    r = read_results(write(tmp_path, "vaccine.csv", text))
    assert r.strategies == ["Status.Quo", "Vaccination"] and r.layout == "c_<s>/e_<s>"
    assert r.costs[0].tolist() == [10.4091458353047, 16.2525370199803]
    assert r.effects[1, 1] == pytest.approx(-0.000732041644684859)


def test_voi_chemo_with_its_parameters(tmp_path):
    # write.csv(data.frame(e = chemo_cea$e, c = chemo_cea$c, chemo_pars)): c_home_care and friends are
    # parameters (no e_home_care pairs them), c.SoC and e.SoC are results
    head = '"","e.SoC","e.Novel","c.SoC","c.Novel","p_side_effects_t1","c_home_care","c_hospital","u_recovery"\n'
    rows = (
        '"1",8.16,8.24,1502.9,3331.5,0.435,827.3,2367.1,0.984\n"2",14.31,14.39,1556.1,3399.0,0.479,817.3,2489.8,0.982\n'
    )
    r = read_results(write(tmp_path, "chemo.csv", head + rows))
    assert r.strategies == ["SoC", "Novel"]
    assert list(r.parameters) == ["p_side_effects_t1", "c_home_care", "c_hospital", "u_recovery"]


def test_heemod_long_psa_table(tmp_path):
    # write.csv(res_psa$psa): one row per sample and strategy; parameters repeat, state values differ
    text = '"","rr","cost_zido",".strategy_names",".index",".cost",".effect","cost_drugs"\n'
    text += '"1",0.5,2300,"mono",1,5000,7.1,2300\n"2",0.5,2300,"comb",1,9000,8.0,4400\n'
    text += '"3",0.6,2200,"mono",2,5100,7.0,2200\n"4",0.6,2200,"comb",2,9200,7.9,4300\n'
    r = read_results(write(tmp_path, "heemod.csv", text))
    assert r.strategies == ["mono", "comb"] and r.layout.startswith("long")
    assert r.costs.tolist() == [[5000, 9000], [5100, 9200]] and r.effects[:, 1].tolist() == [8.0, 7.9]
    assert list(r.parameters) == ["rr", "cost_zido"] and r.parameters["rr"].tolist() == [0.5, 0.6]
    assert r.ignored == ["(unnamed)", "cost_drugs", ".index"]


def test_long_and_wide_variants(tmp_path):
    long = write(tmp_path, "long.csv", "strategy;cost;qalys\nA;1;0,5\n".replace("0,5", "2") + "B;3;4\nA;5;6\nB;7;8\n")
    r = read_results(long)  # semicolons; the k-th row of each strategy is sample k
    assert r.costs.tolist() == [[1, 3], [5, 7]] and r.effects.tolist() == [[2, 4], [6, 8]]
    wide = read_results(write(tmp_path, "w.csv", "sample,A_cost,B_cost,A_qalys,B_qalys\n1,1,2,3,4\n"))
    assert wide.strategies == ["A", "B"] and wide.ignored == ["sample"]
    own = read_results(write(tmp_path, "o.csv", "cost_A,effect_A,qalys_B,cost_B,c_x\n1,2,3,4,5\n"))
    assert own.strategies == ["A", "B"] and own.effects.tolist() == [[2, 3]] and list(own.parameters) == ["c_x"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", ":1: no cost and effect columns"),
        ("strategy,cost,effect\nA,1,2\nB,x,3\n", ":3:2: column cost: expected a number, got 'x'"),
        ("strategy,cost,effect,sample\nA,1,2,1\nB,1,2,1\nA,1,2,2\n", ":4: sample 2: no row for B"),
        ("cost_A,effect_A\n1,2\n3\n", ":3: expected 2 values, got 1"),
    ],
)
def test_errors_name_the_file_and_row(tmp_path, text, message):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ScenarioError) as info:
        read_results(path)
    assert f"{path}{message}" in str(info.value.problems[0])


def test_draws_keep_parameters_and_name_the_rest(tmp_path):
    table, ignored = read_draws(write(tmp_path, "d.csv", '"",p,q,label\n"1",0.1,2,x\n"2",0.2,3,y\n'), {"p", "q"})
    assert set(table) == {"p", "q"} and np.allclose(table["p"], [0.1, 0.2]) and ignored == ["(unnamed)", "label"]
