"""`make bench`: wall time and peak memory of whole processes, atmpcli next to the numpy lower bound.

Each case runs in its own process (bench/measure.py) so start-up time and memory are included.
Usage: python bench/run.py [--quick] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ATMPCLI = str(Path(sys.executable).parent / "atmpcli")
PY = sys.executable


def cases(quick: bool) -> list[tuple[str, list[str], list[str] | None, str]]:
    """(label, atmpcli command, numpy lower-bound command or None, target)."""
    out = [
        ("atmpcli --help", [ATMPCLI, "--help"], None, "< 0.3 s"),
        ("compare Sick-Sicker", [ATMPCLI, "compare", "sick_sicker"], None, "< 0.6 s"),
    ]
    sizes = [1000, 10_000] if quick else [1000, 10_000, 100_000]
    for model, script, name in (
        ("Sick-Sicker", "numpy_sick_sicker.py", "sick_sicker"),
        ("HIV", "numpy_hiv.py", "hiv_chancellor"),
    ):
        for n in sizes:
            target = "< 2 s and <= 3x numpy" if (model == "Sick-Sicker" and n == 10_000) else ""
            out.append(
                (
                    f"PSA {model} {n:,}",
                    [ATMPCLI, "psa", name, "-n", str(n), "-f", "csv"],
                    [PY, str(HERE / script), str(n)],
                    target,
                )
            )
    ss = [ATMPCLI, "psa", "sick_sicker", "-n", "10000", "-f", "csv", "--wtp", "120000"]
    for method, group in (("gam", "u_S1"), ("gam", "u_S1,u_trtA"), ("gp", "u_S1,u_trtA")):
        label = f"PSA Sick-Sicker 10,000 + EVPPI {method} {group}"
        out.append((label, [*ss, "--evppi", group, "--evppi-method", method], None, ""))
    evsi = [ATMPCLI, "evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "-n", "5000"]
    out.append(("EVSI Sick-Sicker 5,000, 5 sizes", [*evsi, "--wtp", "120000", "-f", "csv"], None, ""))
    out += workbook_cases()
    if not quick:
        out.append(
            (
                "PSA HIV 1,000,000 (chunked)",
                [ATMPCLI, "psa", "hiv_chancellor", "-n", "1000000", "-f", "csv"],
                [PY, str(HERE / "numpy_hiv.py"), "1000000"],
                "peak memory < 1 GB",
            )
        )
    return out


def workbook_cases() -> list[tuple[str, list[str], list[str] | None, str]]:
    """The live Excel twin: writing it, and (where LibreOffice is installed) recalculating and checking it."""
    xlsx = str(Path(tempfile.gettempdir()) / "atmpcli-bench-twin.xlsx")
    tunnel = str(HERE / "tunnel78.yaml")
    out = [
        ("workbook Sick-Sicker (4 x 75 cycles)", [ATMPCLI, "workbook", "sick_sicker", "-o", xlsx], None, "< 1 s"),
        ("workbook tunnel, 78 states (4 x 75 cycles)", [ATMPCLI, "workbook", tunnel, "-o", xlsx], None, ""),
    ]
    if shutil.which("soffice"):
        check = [ATMPCLI, "workbook", tunnel, "-o", xlsx, "--check"]
        out.append(("workbook tunnel, 78 states, recalculated in LibreOffice (--check)", check, None, ""))
    return out


def measure(cmd: list[str]) -> dict:
    out = subprocess.run([PY, str(HERE / "measure.py"), *cmd], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["returncode"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result['stderr']}")
    return result


def best_of(cmd: list[str], repeat: int) -> dict:
    runs = [measure(cmd) for _ in range(repeat)]
    return min(runs, key=lambda r: r["wall"])


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numpy

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 100,000 and 1,000,000 sample cases")
    parser.add_argument("--write", type=Path, help="also write the table into this Markdown file")
    args = parser.parse_args()
    lines = [
        "| case | atmpcli wall (s) | atmpcli peak (MiB) | numpy lower bound wall (s) | ratio | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, cmd, lower, target in cases(args.quick):
        repeat = 3 if "1,000,000" not in label and "100,000" not in label else 1
        a = best_of(cmd, repeat)
        if lower:
            b = best_of(lower, repeat)
            ratio = f"{a['wall'] / b['wall']:.1f}x"
            low = f"{b['wall']:.2f}"
        else:
            ratio, low = "", ""
        lines.append(f"| {label} | {a['wall']:.2f} | {a['peak_mib']:.0f} | {low} | {ratio} | {target} |")
        print(lines[-1], flush=True)
    table = "\n".join(lines)
    print()
    print(table)
    print(f"\nMachine: {machine()}")
    if args.write:
        text = args.write.read_text() if args.write.exists() else ""
        start, end = "<!-- bench:start -->", "<!-- bench:end -->"
        block = f"{start}\n{table}\n\nMachine: {machine()}\n{end}"
        if start in text and end in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
        else:
            text += "\n" + block + "\n"
        args.write.write_text(text)


if __name__ == "__main__":
    main()
