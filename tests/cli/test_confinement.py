"""A scenario reads files only in its own folder and the scenario folders, unless --allow-path says more."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import atmpcli
from atmpcli.cli import app
from atmpcli.errors import ScenarioError
from tests.conftest import bundled

runner = CliRunner()

SCENARIO = """\
title: Confined
currency: EUR
settings: {cycles: 2}
parameters:
  p: 'mort(1) * 0 + 0.1'
states:
  well: {utility: 1}
  dead: {alive: false}
transitions:
  well: {well: rest, dead: p}
  dead: {dead: 1}
strategies:
  only: {label: Only}
tables:
  mort: {file: FILE, key: age, value: q}
"""
PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    models, private = tmp_path / "models", tmp_path / "private"
    models.mkdir()
    private.mkdir()
    (private / "passwd").write_text(PASSWD)
    (private / "mort.csv").write_text("age,q\n0,0.1\n")
    return models, private


def scenario(models: Path, file: str) -> Path:
    path = models / "s.yaml"
    path.write_text(SCENARIO.replace("FILE", file))
    return path


def one_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert "root:" not in result.stderr and "daemon" not in result.stderr  # never the content
    return result.stderr


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_a_lookup_file_outside_the_folder_is_refused(folders, how):
    models, private = folders
    name = "../private/passwd" if how == "relative" else str(private / "passwd")
    path = scenario(models, name)
    assert one_error(["compare", str(path)]) == (
        f"error: {path}:15:16: tables.mort.file: look-up file {name} is outside the scenario's folder {models}; "
        f"to allow it, add --allow-path {private}\n"
    )


def test_allowed_folders_are_read_but_a_non_table_is_never_quoted(folders):
    models, private = folders
    path = scenario(models, "../private/passwd")
    message = one_error(["compare", str(path), "--allow-path", str(private)])
    assert message.endswith("has no column 'age' (its first row is not column names)\n")
    ok = runner.invoke(app, ["compare", str(scenario(models, "../private/mort.csv")), "--allow-path", str(private)])
    assert ok.exit_code == 0, ok.stderr


def test_a_link_that_leads_outside_is_refused_and_one_inside_is_followed(folders):
    models, private = folders
    os.symlink(private / "mort.csv", models / "escape.csv")
    path = scenario(models, "escape.csv")
    assert one_error(["compare", str(path)]) == (
        f"error: {path}:15:16: tables.mort.file: look-up file escape.csv is a link to {private / 'mort.csv'}, "
        f"outside the scenario's folder {models}; to allow it, add --allow-path {private}\n"
    )
    (models / "data").mkdir()
    (models / "data" / "real.csv").write_text("age,q\n0,0.1\n")
    os.symlink(models / "data" / "real.csv", models / "inside.csv")
    assert runner.invoke(app, ["validate", str(scenario(models, "inside.csv"))]).exit_code == 0


def test_a_binary_lookup_file_is_refused_at_its_first_bad_byte(folders):
    models, _ = folders
    (models / "b.csv").write_bytes(b"age,q\n\x7fELF\x02\x01\x00secret\n")
    path = scenario(models, "b.csv")
    message = one_error(["compare", str(path)])
    assert message == (
        f"error: {path}:15:16: tables.mort.file: look-up file {models / 'b.csv'}:2:1: "
        "the control character U+007F (DEL) is not allowed\n"
    )


def test_extends_is_confined_too(folders, tmp_path):
    models, private = folders
    (private / "base.yaml").write_text(bundled("heemod_intro").read_text())
    child = models / "child.yaml"
    child.write_text("extends: ../private/base.yaml\ntitle: child\n")
    assert one_error(["compare", str(child)]) == (
        f"error: {child}:1:10: extends: base scenario ../private/base.yaml is outside the scenario's folder "
        f"{models}; to allow it, add --allow-path {private}\n"
    )
    assert runner.invoke(app, ["compare", str(child), "--allow-path", str(private)]).exit_code == 0
    assert atmpcli.load(child, allow_paths=[private]).strategies
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        atmpcli.load(child)


def test_a_base_may_not_climb_out_of_an_allowed_folder(folders):
    # the folder of the scenario the user named stays the reference along the whole chain
    models, private = folders
    (private / "secret.yaml").write_text("title: secret\n")
    (models / "base.yaml").write_text("extends: ../private/secret.yaml\n")
    child = models / "child.yaml"
    child.write_text("extends: base.yaml\ntitle: child\n")
    assert "base scenario ../private/secret.yaml is outside the scenario's folder" in one_error(["compare", str(child)])


def test_scenario_path_folders_are_allowed(folders, monkeypatch):
    models, private = folders
    (private / "base.yaml").write_text(bundled("heemod_intro").read_text())
    monkeypatch.setenv("ATMPCLI_SCENARIO_PATH", str(private))
    child = models / "child.yaml"
    child.write_text(f"extends: {private / 'base.yaml'}\ntitle: child\n")
    result = runner.invoke(app, ["compare", str(child)])
    assert result.exit_code == 0, result.stderr


def test_allow_path_must_be_a_folder(folders):
    models, private = folders
    result = runner.invoke(app, ["compare", "heemod_intro", "--allow-path", str(private / "nothere")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: Invalid value for --allow-path: {private / 'nothere'} is not a folder (see 'atmpcli compare --help')\n"
    )


def test_severity_norms_outside_the_folder_are_refused(folders):
    """settings.severity.norms (a CSV) is confined like a look-up file (issue 14's norms, issue 13's rule)."""
    models, private = folders
    (private / "norms.csv").write_text("age,female,utility\n40,0,0.9\n")
    text = (Path(__file__).parents[1] / "data" / "rules_toy.yaml").read_text()
    path = models / "toy.yaml"
    path.write_text(
        text.replace("severity: {female: 0.5}", f"severity: {{female: 0.5, norms: {private / 'norms.csv'}}}")
    )
    message = one_error(["compare", str(path), "--severity"])
    assert message.startswith(f"error: {path}:14:") and "settings.severity.norms" in message
    assert "outside" in message or "not allowed" in message or "--allow-path" in message
