"""`make bench`: issue 12's targets, measured on whole processes next to hand-written numpy lower bounds.

Every run is its own process (bench/measure.py: start-up included, peak resident memory from the
kernel, an address-space cap and a time limit so that no run can take the machine down). atmpcli and
its numpy lower bound are run alternately (interleaved repetitions) in the same invocation; the table
gives the median wall time, the largest peak memory and the ratio of the medians.
Usage: python bench/run.py [--quick] [--write-docs] [--only TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "performance.md"
ATMPCLI = str(Path(sys.executable).parent / "atmpcli")
PY = sys.executable
STRESS = str(HERE / "scenarios" / "tunnel_stress.yaml")
PSM = str(HERE / "scenarios" / "psm.yaml")
RESIDENCE = "sick_sicker_state_residence"
MB = 1e6  # targets are in decimal megabytes, as in the issue


@dataclass(frozen=True)
class Case:
    label: str
    atmpcli: list[str] | None  # None: atmpcli cannot express this model yet (see not_run)
    lower: list[str] | None  # the numpy lower bound
    target: str
    max_wall: float | None = None
    max_ratio: float | None = None
    max_peak_mb: float | None = None
    cap_mib: float = 4096  # address-space cap of every run of the case
    timeout: float = 300
    repeat: int = 5
    not_run: str = ""


def psa(scenario: str, n: int) -> list[str]:
    return [ATMPCLI, "psa", scenario, "-n", str(n), "-f", "csv"]


def lower(script: str, n: int) -> list[str]:
    return [PY, str(HERE / script), str(n)]


def cases(quick: bool) -> list[Case]:
    out = [
        Case("atmpcli --help", [ATMPCLI, "--help"], None, "< 0.15 s", max_wall=0.15),
        Case("compare sick_sicker", [ATMPCLI, "compare", "sick_sicker"], None, "< 0.4 s", max_wall=0.4),
        Case(
            "PSA Sick-Sicker 10,000",
            psa("sick_sicker", 10_000),
            lower("numpy_sick_sicker.py", 10_000),
            "<= 1.5x numpy",
            max_ratio=1.5,
        ),
    ]
    if not quick:
        out += [
            Case(
                "PSA Sick-Sicker 100,000",
                psa("sick_sicker", 100_000),
                lower("numpy_sick_sicker.py", 100_000),
                "<= 1.0x numpy",
                max_ratio=1.0,
                repeat=3,
            ),
            Case(  # local multi-core: the "numpy bound" columns hold the same run with one worker
                "PSA Sick-Sicker 100,000 --workers 2 (bound: 1 worker)",
                [*psa("sick_sicker", 100_000), "--workers", "2"],
                psa("sick_sicker", 100_000),
                ">= 1.7x faster than 1 worker",
                max_ratio=1 / 1.7,
                repeat=5,
            ),
            Case(
                "PSA HIV 1,000,000",
                psa("hiv_chancellor", 1_000_000),
                lower("numpy_hiv.py", 1_000_000),
                "<= 1.0x numpy, < 500 MB",
                max_ratio=1.0,
                max_peak_mb=500,
                repeat=3,
            ),
        ]
    out += [
        Case(
            "PSA state-residence 10,000",
            psa(RESIDENCE, 10_000),
            lower("numpy_state_residence.py", 10_000),
            "<= 2x numpy, < 1 GB",
            max_ratio=2.0,
            max_peak_mb=1000,
            cap_mib=3072,
            repeat=1 if quick else 3,
        ),
        Case(
            "PSA tunnel stress (871 states) 1,000",
            psa(STRESS, 1000),
            lower("numpy_tunnel_stress.py", 1000),
            "< 2 GB",
            max_peak_mb=2000,
            cap_mib=6144,
            repeat=1 if quick else 3,
        ),
        Case(
            "PSA partitioned survival 10,000",
            psa(PSM, 10_000),
            lower("numpy_psm.py", 10_000),
            "in seconds",
            repeat=1 if quick else 3,
        ),
    ]
    out += voi_cases() + workbook_cases()
    return [replace(c, repeat=1) for c in out] if quick else out


def voi_cases() -> list[Case]:
    """EVPPI metamodels and EVSI on top of a 10,000-sample PSA (no lower bound: no numpy twin of mgcv)."""
    ss = [*psa("sick_sicker", 10_000), "--wtp", "120000"]
    out = [
        Case(f"PSA Sick-Sicker 10,000 + EVPPI {m} {g}", [*ss, "--evppi", g, "--evppi-method", m], None, "", repeat=1)
        for m, g in (("gam", "u_S1"), ("gam", "u_S1,u_trtA"), ("gp", "u_S1,u_trtA"))
    ]
    evsi = [ATMPCLI, "evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "-n", "5000"]
    out.append(Case("EVSI Sick-Sicker 5,000, 5 sizes", [*evsi, "--wtp", "120000", "-f", "csv"], None, "", repeat=1))
    return out


def workbook_cases() -> list[Case]:
    """The live Excel twin: writing it, and (where LibreOffice is installed) recalculating and checking it."""
    xlsx = str(Path(tempfile.gettempdir()) / "atmpcli-bench-twin.xlsx")
    tunnel = str(HERE / "tunnel78.yaml")
    out = [
        Case(
            "workbook Sick-Sicker (4 x 75 cycles)",
            [ATMPCLI, "workbook", "sick_sicker", "-o", xlsx],
            None,
            "< 1 s",
            max_wall=1.0,
        ),
        Case(
            "workbook tunnel, 78 states (4 x 75 cycles)", [ATMPCLI, "workbook", tunnel, "-o", xlsx], None, "", repeat=3
        ),
    ]
    if shutil.which("soffice"):
        check = [ATMPCLI, "workbook", tunnel, "-o", xlsx, "--check"]
        out.append(Case("workbook tunnel, 78 states, recalculated (--check)", check, None, "", repeat=1, timeout=600))
    return out


def measure(cmd: list[str], cap_mib: float, timeout: float) -> dict:
    out = subprocess.run(
        [PY, str(HERE / "measure.py"), str(cap_mib), str(timeout), *cmd], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def failure(result: dict, cap_mib: float, timeout: float) -> str:
    """Why a run did not complete, in one line."""
    if result["timed_out"]:
        return f"not run: stopped after {timeout:.0f} s"
    text = result["stderr"].strip()
    if "MemoryError" in text:
        need = re.search(r"allocate (\d+(?:\.\d+)?)\.? (\w+)", text)  # numpy prints "984. GiB"
        asked = f" (asked for {need.group(1)} {need.group(2)} at once)" if need else ""
        return f"not run: MemoryError under the {cap_mib / 1024:.0f} GiB memory cap{asked}"
    last = text.splitlines()[-1] if text else f"exit status {result['returncode']}"
    return f"not run: {last[:120]}"


@dataclass
class Row:
    case: Case
    ours: list[dict] = field(default_factory=list)
    bound: list[dict] = field(default_factory=list)
    reason: str = ""

    @staticmethod
    def _wall(runs: list[dict]) -> float | None:
        return statistics.median(r["wall"] for r in runs) if runs else None

    @property
    def wall(self) -> float | None:
        return self._wall(self.ours)

    @property
    def bound_wall(self) -> float | None:
        return self._wall(self.bound)

    @property
    def peak_mb(self) -> float | None:
        return max(r["peak_mib"] for r in self.ours) * 2**20 / MB if self.ours else None

    @property
    def ratio(self) -> float | None:
        if self.wall is None or self.bound_wall is None:
            return None
        return self.wall / self.bound_wall

    def status(self) -> str:
        if self.reason:
            return self.reason
        c, missed = self.case, []
        if c.max_wall is not None and self.wall >= c.max_wall:
            missed.append(f"{self.wall:.2f} s >= {c.max_wall} s")
        if c.max_ratio is not None and self.ratio > c.max_ratio:
            missed.append(f"{self.ratio:.1f}x > {c.max_ratio:.1f}x")
        if c.max_peak_mb is not None and self.peak_mb >= c.max_peak_mb:
            missed.append(f"{self.peak_mb:,.0f} MB >= {c.max_peak_mb:,.0f} MB")
        return "missed: " + ", ".join(missed) if missed else "met"


def run_case(case: Case) -> Row:
    """Interleaved repetitions: atmpcli, then the lower bound, ``repeat`` times."""
    row = Row(case, reason=f"not run: {case.not_run}" if case.atmpcli is None else "")
    for _ in range(case.repeat):
        if case.atmpcli is not None and not row.reason:
            result = measure(case.atmpcli, case.cap_mib, case.timeout)
            if result["returncode"] == 0:
                row.ours.append(result)
            else:
                row.reason, row.ours = failure(result, case.cap_mib, case.timeout), []
        if case.lower is not None:
            result = measure(case.lower, case.cap_mib, case.timeout)
            if result["returncode"] != 0:
                raise SystemExit(f"numpy lower bound failed: {' '.join(case.lower)}\n{result['stderr']}")
            row.bound.append(result)
    return row


def number(x: float | None, fmt: str) -> str:
    return "" if x is None else format(x, fmt)


def table(rows: list[Row]) -> str:
    lines = [
        "| case | atmpcli (s) | atmpcli peak (MB) | numpy bound (s) | numpy peak (MB) | ratio | target | status |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        bound_peak = max(b["peak_mib"] for b in r.bound) * 2**20 / MB if r.bound else None
        ratio = number(r.ratio, ".2f") + ("x" if r.ratio is not None else "")
        lines.append(
            f"| {r.case.label} | {number(r.wall, '.2f')} | {number(r.peak_mb, ',.0f')} | {number(r.bound_wall, '.2f')} "
            f"| {number(bound_peak, ',.0f')} | {ratio} | {r.case.target} | {r.status()} |"
        )
    return "\n".join(lines)


def memory_per_sample(small: int = 100, large: int = 2000) -> str:
    """atmpcli's memory per PSA sample of the state-residence model, from two runs within one chunk."""
    peaks = []
    for n in (small, large):
        result = measure(psa(RESIDENCE, n), 3072, 300)
        if result["returncode"] != 0:
            return f"State-residence memory per PSA sample: not measured ({failure(result, 3072, 300)})."
        peaks.append(result["peak_mib"] * 2**20)
    per = (peaks[1] - peaks[0]) / (large - small)
    return (
        f"State-residence model, atmpcli: {per / 1e3:,.1f} kB per PSA sample (peak {peaks[0] / MB:,.0f} MB at "
        f"{small:,} samples, {peaks[1] / MB:,.0f} MB at {large:,}), so one chunk of 10,000 samples would need "
        f"about {(peaks[0] + per * (10_000 - small)) / 1e9:,.2f} GB."
    )


def stress_base_case() -> str:
    result = measure([ATMPCLI, "compare", STRESS, "-f", "csv"], 6144, 300)
    if result["returncode"] != 0:
        return f"Tunnel stress model, base case (`compare`, one parameter set): {failure(result, 6144, 300)}."
    return (
        f"Tunnel stress model, base case (`compare`, one parameter set): {result['wall']:.1f} s, "
        f"peak {result['peak_mib'] * 2**20 / MB:,.0f} MB."
    )


def soa_bound(n: int) -> str:
    """How much faster a structure-of-arrays numpy kernel is than the einsum bound the targets use."""
    walls: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(3):
        for soa in (False, True):
            cmd = lower("numpy_sick_sicker.py", n) + (["1", "--soa"] if soa else [])
            walls[soa].append(measure(cmd, 4096, 300)["wall"])
    einsum, soa = statistics.median(walls[False]), statistics.median(walls[True])
    return (
        f"Sick-Sicker {n:,} with a structure-of-arrays numpy kernel (`numpy_sick_sicker.py --soa`, same draws "
        f"and results): {soa:.2f} s, {einsum / soa:.1f}x faster than the einsum lower bound above ({einsum:.2f} s)."
    )


def startup_floor() -> str:
    walls = [measure([PY, "-c", "pass"], 1024, 60)["wall"] for _ in range(5)]
    numpy_walls = [measure([PY, "-c", "import numpy"], 1024, 60)["wall"] for _ in range(5)]
    return (
        f"Start-up floor on this machine: `python -c pass` {statistics.median(walls):.3f} s, "
        f"`python -c 'import numpy'` {statistics.median(numpy_walls):.3f} s."
    )


def machine() -> str:
    info = Path("/proc/cpuinfo")
    names = [ln.split(":", 1)[1].strip() for ln in info.read_text().splitlines() if ln.startswith("model name")]
    cpu = names[0] if names else platform.processor() or "unknown CPU"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numpy

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}"
    )


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def write_docs(block: str) -> None:
    text = DOCS.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"{DOCS} has no {start} ... {end} block")
    DOCS.write_text(text[: text.index(start)] + f"{start}\n{block}\n{end}" + text[text.index(end) + len(end) :])


def compile_package() -> None:
    """Byte-compile atmpcli, as installing a wheel does: an editable install run with
    PYTHONDONTWRITEBYTECODE set would otherwise compile every module from source in every run measured."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "atmpcli"), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition; skip the 100,000 and 1,000,000 cases")
    parser.add_argument("--write-docs", action="store_true", help=f"write the results into {DOCS.name}")
    parser.add_argument("--only", metavar="TEXT", help="run only the cases whose label contains TEXT (no notes)")
    args = parser.parse_args()
    if args.only and args.write_docs:
        parser.error("--only measures part of the table: it cannot --write-docs")
    compile_package()
    before, rows = load(), []
    if args.only:
        chosen = [c for c in cases(args.quick) if args.only in c.label]
        rows = [run_case(c) for c in chosen]
        print(table(rows) + f"\n\nMachine: {machine()}. Load average before {before}, after {load()}.")
        return
    for case in cases(args.quick):
        if args.only and args.only.lower() not in case.label.lower():
            continue
        rows.append(run_case(case))
        print(f"{case.label}: {rows[-1].status()}", file=sys.stderr, flush=True)
    notes = []
    if not args.only:
        soa = soa_bound(10_000 if args.quick else 100_000)
        notes = [memory_per_sample(), stress_base_case(), soa, startup_floor()]
    block = "\n".join(
        [
            table(rows),
            "",
            *[f"- {n}" for n in notes],
            "",
            f"Machine: {machine()}. Load average before {before}, after {load()}"
            f"{' (--quick: one repetition)' if args.quick else ''}.",
        ]
    )
    print(block)
    if args.write_docs:
        write_docs(block)


if __name__ == "__main__":
    main()
