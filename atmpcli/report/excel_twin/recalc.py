"""Recalculating live workbooks headlessly in LibreOffice and reading their results back.

One ``soffice`` run converts many files (start-up is most of its time). A private LibreOffice profile
sets "recalculate on load: always", so that the formulas are computed and not read from the file (which
holds no cached values), and keeps the run apart from any LibreOffice already open.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from atmpcli.errors import AtmpError

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: list[Path], outdir: Path, timeout: float = 600) -> list[Path]:
    """Recalculate ``paths`` in one LibreOffice run; return the recalculated copies (in ``outdir``)."""
    exe = soffice()
    if exe is None:
        raise AtmpError("LibreOffice (soffice) is not installed: it is needed to recalculate the workbook")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="atmpcli-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE)
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *map(str, paths),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise AtmpError(f"LibreOffice did not finish recalculating within {timeout:g} s") from None
    out = [outdir / Path(p).name for p in paths]
    missing = [str(p) for p in out if not p.is_file()]
    if missing:
        raise AtmpError(f"LibreOffice did not write {', '.join(missing)}")
    return out


def results_table(path: Path) -> list[dict[str, Any]]:
    """The Results sheet of a recalculated workbook: one dict per strategy, keyed by column name."""
    from openpyxl import load_workbook

    from atmpcli.report.excel_twin.results_sheet import FIRST, HEADER_ROW

    wb = load_workbook(path, data_only=True, read_only=True)
    ws = wb["Results"]
    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    header = [str(h) if h is not None else "" for h in rows[0]]
    out = []
    for values in rows[FIRST - HEADER_ROW :]:
        if not values or values[0] in (None, ""):
            break
        out.append({h: (None if v == "" else v) for h, v in zip(header, values, strict=False) if h})
    wb.close()
    return out


COMPARED = ("cost", "qalys", "life_years", "responder_fraction", "icer", "status")
COMPARED += ("cost_infused", "qalys_infused", "life_years_infused", "payment_pv")


def differences(expected: list[dict[str, Any]], workbook: list[dict[str, Any]]) -> tuple[float, list[str]]:
    """The largest relative difference between atmpcli's rows and the workbook's, over every strategy's
    cost, QALYs, life-years, responders, ICER (and those of the infused population, and payments), and the
    disagreements: a status, or a number given on one side only."""
    worst, problems = 0.0, []
    if [r["strategy"] for r in expected] != [r.get("strategy") for r in workbook]:
        return math.inf, ["the workbook's strategies are not atmpcli's"]
    for want, got in zip(expected, workbook, strict=True):
        for key in COMPARED:
            a, b = want.get(key), got.get(key)
            if isinstance(a, str) or isinstance(b, str):
                if (a or None) != (b or None):
                    problems.append(f"{want['strategy']} {key}: atmpcli {a}, workbook {b}")
                continue
            missing_a = a is None or (isinstance(a, float) and math.isnan(a))
            if missing_a or b is None:
                if missing_a != (b is None):
                    problems.append(f"{want['strategy']} {key}: atmpcli {a}, workbook {b}")
                continue
            worst = max(worst, abs(a - b) / max(abs(a), 1e-300))
    return worst, problems
