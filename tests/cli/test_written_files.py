"""Files as colleagues receive them: the umask's permissions (a replaced file keeps its mode), written
atomically; workbooks with an Index and sheet names Excel accepts, well-formed XML parts that LibreOffice
re-opens, and no library warning on stderr."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path
from xml.dom import minidom

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from atmpcli.report.workbook import sheet_name
from tests.conftest import ROOT

runner = CliRunner()
openpyxl = pytest.importorskip("openpyxl")

OUTPUTS = [
    ["compare", "hiv_chancellor", "-o", "{}.csv"],
    ["compare", "hiv_chancellor", "-o", "{}.txt"],
    ["compare", "hiv_chancellor", "-o", "{}.md"],
    ["compare", "hiv_chancellor", "-o", "{}.xlsx"],
    ["psa", "sick_sicker", "-n", "50", "-o", "{}.json"],
    ["report", "hiv_chancellor", "--psa-samples", "50", "--no-figures", "-o", "{}.html"],
    ["workbook", "hiv_chancellor", "-o", "{}.xlsx"],
]


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: f"{a[0]}-{a[-1][3:]}")
def test_a_new_file_has_the_umasks_mode_and_a_replaced_one_keeps_its_own(tmp_path, umask_027, args):
    target = tmp_path / "out"
    argv = [a.format(target) for a in args]
    path = Path(argv[-1])
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    assert path.stat().st_mode & 0o777 == 0o640  # 0666 less the umask 027, as open() would give
    path.chmod(0o664)
    assert runner.invoke(app, argv).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o664
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_sheet_names_are_cut_to_31_characters_and_stay_unique():
    taken: set[str] = set()
    long = "Trace a_strategy_name_longer_than_excel_allows"
    names = [sheet_name(long + "_one", taken), sheet_name(long + "_two", taken), sheet_name("a/b:c?", taken)]
    assert names == ["Trace a_strategy_name_longer_th", "Trace a_strategy_name_longe (2)", "a_b_c_"]
    assert all(len(n) <= 31 for n in names)
    assert sheet_name("TRACE A_STRATEGY_NAME_LONGER_TH", taken) == "TRACE A_STRATEGY_NAME_LONGE (3)"


def _long_named(tmp_path: Path) -> Path:
    # hiv_chancellor with strategy names whose first 31 characters of "Trace NAME" are the same
    text = (ROOT / "scenarios" / "hiv_chancellor.yaml").read_text(encoding="utf-8")
    text = re.sub(r"\bmonotherapy\b", "zidovudine_alone_as_first_line_monotherapy", text)
    text = re.sub(r"\bcombination\b", "zidovudine_alone_as_first_line_with_lamivudine", text)
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_workbook_of_long_strategy_names_has_unique_short_sheets_an_index_and_no_warning(tmp_path):
    target = tmp_path / "long.xlsx"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(app, ["compare", str(_long_named(tmp_path)), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"wrote {target}"] and not caught  # no openpyxl warning
    wb = openpyxl.load_workbook(target)
    names = wb.sheetnames
    assert names[0] == "Index" and len(set(n.lower() for n in names)) == len(names)
    assert all(len(n) <= 31 for n in names)
    index = [[c.value for c in row] for row in wb["Index"].iter_rows()]
    assert index[0] == ["sheet", "contents", "rows"]
    assert [r[0] for r in index[1:]] == names[1:]
    contents = {r[1]: r[0] for r in index[1:]}
    one = contents["Trace zidovudine_alone_as_first_line_monotherapy"]
    two = contents["Trace zidovudine_alone_as_first_line_with_lamivudine"]
    assert one != two and wb[one].max_row == wb[two].max_row == index[names.index(one)][2] + 1
    for part in zipfile.ZipFile(target).namelist():  # every XML part well formed (Excel repairs others)
        if part.endswith((".xml", ".rels")):
            minidom.parseString(zipfile.ZipFile(target).read(part))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reopens_the_workbook(tmp_path):
    target = tmp_path / "long.xlsx"
    assert runner.invoke(app, ["compare", str(_long_named(tmp_path)), "-o", str(target)]).exit_code == 0
    profile = tmp_path / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "csv"]
        + ["--outdir", str(tmp_path / "csv"), str(target)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    first = (tmp_path / "csv" / "long.csv").read_text(encoding="utf-8").splitlines()
    assert first[0] == "sheet,contents,rows"  # the Index, read back by another application
