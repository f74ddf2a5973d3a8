"""``threshold`` without --strategy asks about the strategy whose results the parameter changes."""

from __future__ import annotations

from typer.testing import CliRunner

from atmpcli.analysis.compare import compare
from atmpcli.analysis.threshold import priced_strategy
from atmpcli.cli import app
from atmpcli.commands.common import load

runner = CliRunner()


def test_a_price_used_by_one_strategy_picks_it():
    # EGFR: only test_and_treat pays for the test (strategies.test_and_treat ... cost: c_test)
    sc = load("egfr_test_and_treat", None, None, None)
    chosen, why = priced_strategy(sc, "c_test", 50_000)
    assert chosen == "test_and_treat" and why.startswith("threshold for test_and_treat: the strategy whose")


def test_of_several_users_the_one_with_the_highest_nmb_is_picked():
    # sick_sicker: c_trtB is paid in B and AB (use_B = 1 there); at 100,000 per QALY the better of the two
    sc = load("sick_sicker", None, None, None)
    chosen, why = priced_strategy(sc, "c_trtB", 100_000)
    nmb = {r["strategy"]: r["nmb_100000"] for r in compare(sc, wtp=[100_000]).rows}
    assert chosen == max(["B", "AB"], key=nmb.get)
    assert "(also: " in why and "--strategy chooses another" in why


def test_the_cart_price_example_answers_with_a_price():
    # the --help example answered "widen the range": the first strategy (cart) is dominated by paying at result
    result = runner.invoke(
        app, ["threshold", "cart_pediatric_all", "--parameter", "c_tisagenlecleucel", "--wtp", "100000", "-f", "csv"]
    )
    assert result.exit_code == 0, result.stderr
    assert "threshold for cart_paid_on_result" in result.stderr
    row = result.stdout.splitlines()[1].split(",")
    assert row[1] == "cart_paid_on_result" and float(row[3]) > 475_000  # cost-effective above today's price
    assert "widen" not in result.stdout
