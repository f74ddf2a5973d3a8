"""The HTML report in a real browser (headless Chromium over the DevTools protocol): every figure loads, no
text overflows its box on screen (1280 px) or at the A4 print width, and the console shows no error.

Skipped, with the reason, where Chromium is not installed or cannot start (.ci/run installs it).
"""

import pytest
from typer.testing import CliRunner

from atmpcli.cli import app
from tests.browser import BrowserUnavailable, Page

runner = CliRunner()
# A4 (210 mm) less the report's 14 mm side margins, in CSS pixels (96 per inch).
PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)

CHECKS = """(async () => {
  const images = [...document.images];
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  const overflows = el => el.scrollWidth > el.clientWidth + 1;
  const name = el => el.tagName.toLowerCase() + ': ' + el.textContent.trim().slice(0, 60);
  const main = document.querySelector('main').getBoundingClientRect();
  return {
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    outside: images.filter(i => i.getBoundingClientRect().right > main.right + 1).map(i => i.alt),
    overflowing: [...document.querySelectorAll('td, th, table, h1, h2, h3, h4, p, li, figcaption, code')]
      .filter(overflows).map(name),
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    body: document.body.scrollWidth - document.body.clientWidth,
    tables: document.querySelectorAll('table').length,
  };
})()"""


@pytest.fixture(scope="module")
def page():
    try:
        with Page() as p:
            yield p
    except BrowserUnavailable as exc:
        pytest.skip(f"headless Chromium is not available: {exc}")


@pytest.fixture(scope="module")
def cart_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "cart.html"
    result = runner.invoke(app, ["report", "cart_pediatric_all", "-o", str(path), "--psa-samples", "200"])
    assert result.exit_code == 0, result.stderr
    return path


@pytest.mark.parametrize(("width", "media"), [(1280, "screen"), (PRINT_WIDTH, "print")], ids=["screen", "print"])
def test_report_in_chromium(page, cart_report, width, media):
    page.errors.clear()
    page.open(cart_report.as_uri(), width, media=media)
    checks = page.evaluate(CHECKS)
    assert checks["images"] == 3 and checks["broken"] == []  # CE plane, PSA, tornado: all decoded
    assert checks["outside"] == []
    assert checks["overflowing"] == []
    assert checks["page"] <= 0 and checks["body"] <= 0
    assert checks["tables"] > 10
    assert page.errors == []


def test_the_checks_can_fail(page, tmp_path):
    """A page with a missing image, a cell too narrow for its word and a script error fails every check."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body><main style='width:300px'>"
        "<img src='missing.png' alt='gone'><table style='width:50px;table-layout:fixed'><tr>"
        "<td style='width:50px;white-space:nowrap'>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</td></tr></table>"
        "<script>undefined_function()</script></main></body></html>"
    )
    page.errors.clear()
    page.open(bad.as_uri(), 1280)
    checks = page.evaluate(CHECKS)
    assert checks["broken"] == ["gone"]
    assert any(c.startswith("td: aaaa") for c in checks["overflowing"])
    assert any("undefined_function" in e for e in page.errors)
    assert any("missing.png" in e or "ERR_FILE_NOT_FOUND" in e for e in page.errors)


@pytest.mark.parametrize(("width", "media"), [(1280, "screen"), (PRINT_WIDTH, "print")], ids=["screen", "print"])
def test_verification_table_fits_in_chromium(page, tmp_path_factory, width, media):
    """The verification section (report --verify, item 17): its 15-row table fits on screen and in print."""
    path = tmp_path_factory.getbasetemp() / f"verified-{media}.html"
    result = runner.invoke(app, ["report", "sick_sicker", "-o", str(path), "--verify", "--no-figures"])
    assert result.exit_code == 0, result.stderr
    page.errors.clear()
    page.open(path.as_uri(), width, media=media)
    checks = page.evaluate(CHECKS)
    assert checks["overflowing"] == [] and checks["page"] <= 0 and checks["body"] <= 0
    rows = page.evaluate(
        "[...document.querySelectorAll('h4')].find(h => h.textContent.startsWith('Model verification'))"
        ".nextElementSibling.nextElementSibling.querySelectorAll('tbody tr').length"
    )
    assert rows == 15
    assert page.errors == []
