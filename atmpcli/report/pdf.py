"""PDF of the HTML report, printed by headless Chromium (or Chrome) when one is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from atmpcli.errors import AtmpError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Headless, no GPU, no network, no first-run or extension work: a printer, nothing else.
FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
)


def find_browser() -> str | None:
    """The path of a Chromium-family browser: $ATMPCLI_CHROMIUM, else the first of BROWSERS on PATH."""
    chosen = os.environ.get("ATMPCLI_CHROMIUM")
    if chosen:
        return shutil.which(chosen)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def browser_flags() -> list[str]:
    """FLAGS, and --no-sandbox as root (Chromium's sandbox refuses to run as root, e.g. in containers)."""
    return [*FLAGS, *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]


def html_to_pdf(page: str, path: Path, timeout: float = 120) -> None:
    """Print ``page`` (self-contained HTML) to ``path``, through a temporary file, so that a failure leaves
    no partial PDF; the page's print CSS gives the paper size, margins and page breaks."""
    browser = find_browser()
    if browser is None:
        raise AtmpError(
            f"{path}: writing a PDF needs Chromium or Google Chrome on PATH (or ATMPCLI_CHROMIUM); "
            "write .html and print it from a browser instead"
        )
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix=".atmpcli-pdf-", dir=path.parent or ".") as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser,
            *browser_flags(),
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.resolve().as_uri(),  # a relative -o (cart.pdf) makes the folder relative
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise AtmpError(f"{path}: {Path(browser).name} did not print the PDF within {timeout:g} s") from None
        if not target.exists() or target.stat().st_size == 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise AtmpError(f"{path}: {Path(browser).name} could not print the PDF: {detail[0]}")
        os.replace(target, path)
