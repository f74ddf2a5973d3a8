"""PSA on a Dask cluster gives exactly the local result for the same seed (in-process cluster)."""

import pytest
from numpy.testing import assert_array_equal

from atmpcli.analysis.psa import run_psa
from atmpcli.analysis.sampling import BLOCK
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        dashboard_address=":0",  # any free port: another run may hold 8787
    ) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def test_cluster_run_equals_local_run(client):
    from atmpcli.analysis.distributed import run_psa_distributed

    sc = load_scenario(bundled("sick_sicker"))
    n = 2 * BLOCK * 2 + 123  # several chunks, the last one partial
    local = run_psa(sc, n, seed=11, keep_draws=True)
    remote = run_psa_distributed(client, sc, n, seed=11, keep_draws=True)
    assert_array_equal(local.costs, remote.costs)
    assert_array_equal(local.effects, remote.effects)
    assert_array_equal(local.draws["c_trtA"], remote.draws["c_trtA"])


def test_cluster_run_applies_variants_and_sets(client):
    from atmpcli.analysis.distributed import run_psa_distributed

    sets = {"c_salvage": 100000.0}
    sc = load_scenario(bundled("cart_pediatric_all"), variant="conservative_durability", sets=sets)
    local = run_psa(sc, 700, seed=3)
    remote = run_psa_distributed(client, sc, 700, seed=3)  # the workers rebuild sc with its overrides
    assert_array_equal(local.costs, remote.costs)
    assert_array_equal(local.effects, remote.effects)
    plain = run_psa(load_scenario(bundled("cart_pediatric_all")), 700, seed=3)
    assert not (plain.costs == remote.costs).all()  # the variant and the --set reached the workers


def test_cli_scheduler_option(client):
    from typer.testing import CliRunner

    from atmpcli.cli import app

    args = ["psa", "sick_sicker", "-n", "600", "--seed", "2", "-f", "csv", "--wtp", "100000"]
    local = CliRunner().invoke(app, args)
    remote = CliRunner().invoke(app, [*args, "--scheduler", client.scheduler.address])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.stderr
    assert local.stdout == remote.stdout


def test_cluster_run_applies_the_reference_case(client):
    # the workers rebuild the scenario with every recorded override, the reference case included
    from atmpcli.analysis.distributed import run_psa_distributed

    sc = load_scenario(bundled("sick_sicker"), reference_case="uk_nice_2026")  # 3.5 % instead of 3 %
    local = run_psa(sc, 500, seed=5)
    remote = run_psa_distributed(client, sc, 500, seed=5)
    assert_array_equal(local.costs, remote.costs)
    assert_array_equal(local.effects, remote.effects)
    plain = run_psa(load_scenario(bundled("sick_sicker")), 500, seed=5)
    assert (plain.costs > remote.costs).all()  # a higher discount rate lowers every sample's cost
