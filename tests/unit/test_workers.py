"""psa --workers N: worker processes give bit-identical results and the one-process error, and stop cleanly.

Which process evaluates which chunk depends on timing, so the tests that must see a worker at work use a
chunk task that holds this process back (before its first chunk) until a worker has begun one.
"""

import copy
import io
import multiprocessing as mp
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from typer.testing import CliRunner

import atmpcli
from atmpcli.analysis.psa import CHUNK, ChunkTask, GivenDraws, SampledDraws, chunks, run_on_draws, run_psa
from atmpcli.analysis.sampling import BLOCK
from atmpcli.analysis.workers import LocalWorkers
from atmpcli.cli import app
from atmpcli.errors import ScenarioError
from atmpcli.scenario.compile import load_scenario
from tests.conftest import bundled

runner = CliRunner()


@pytest.fixture(scope="module")
def sick_sicker():
    return load_scenario(bundled("sick_sicker"))


@dataclass(frozen=True)
class WorkerFirst:
    """``task``, except that this process waits before its first chunk until a worker has begun one (the
    worker leaves ``marker``), and a worker with ``exit_code`` dies on its first chunk."""

    task: Any
    parent: int
    marker: str
    exit_code: int | None = None

    def __call__(self, sc, i):
        if os.getpid() != self.parent:
            Path(self.marker).touch()
            if self.exit_code is not None:
                os._exit(self.exit_code)
        elif not Path(self.marker).exists():
            deadline = time.monotonic() + 120
            while not Path(self.marker).exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return self.task(sc, i)


def run_with_a_worker(sc, task: ChunkTask, tmp_path: Path, exit_code: int | None = None) -> dict[int, Any]:
    out: dict[int, Any] = {}
    with LocalWorkers(2) as pool:
        wrapped = WorkerFirst(task, os.getpid(), str(tmp_path / "worker-began"), exit_code)
        pool.run(sc, wrapped, len(task.chunks), out.__setitem__)
    assert (tmp_path / "worker-began").exists()
    return out


def test_chunks_from_a_worker_are_bit_identical(sick_sicker, tmp_path):
    n = 3 * BLOCK + 17
    one = run_psa(sick_sicker, n, seed=5, chunk=BLOCK, keep_draws=True)
    task = ChunkTask(SampledDraws(5), chunks(n, BLOCK), True)
    out = run_with_a_worker(sick_sicker, task, tmp_path)
    assert sorted(out) == [0, 1, 2, 3]
    for i, (start, size) in enumerate(task.chunks):
        costs, effects, draws = out[i]
        assert_array_equal(costs, one.costs[start : start + size])
        assert_array_equal(effects, one.effects[start : start + size])
        assert_array_equal(draws["c_trtA"], one.draws["c_trtA"][start : start + size])


def test_run_psa_with_workers_equals_one_worker(sick_sicker):
    n = 2 * CHUNK + 123  # three chunks, the last one partial
    one = run_psa(sick_sicker, n, seed=11, keep_draws=True)
    two = run_psa(sick_sicker, n, seed=11, keep_draws=True, workers=2)
    assert_array_equal(one.costs, two.costs)
    assert_array_equal(one.effects, two.effects)
    assert one.draws.keys() == two.draws.keys()
    for name in one.draws:
        assert_array_equal(one.draws[name], two.draws[name])


@pytest.mark.parametrize("method", [m for m in ("fork", "spawn") if m in mp.get_all_start_methods()])
def test_forked_and_spawned_workers_both_give_one_workers_bits(sick_sicker, method):
    n = 3 * BLOCK + 5
    one = run_psa(sick_sicker, n, seed=8, chunk=BLOCK)
    with LocalWorkers(2, method=method) as pool:
        assert pool.method == method
        two = run_psa(sick_sicker, n, seed=8, chunk=BLOCK, workers=pool)
        again = run_psa(sick_sicker, n, seed=9, chunk=BLOCK, workers=pool)  # a second run in the same pool
    assert_array_equal(one.costs, two.costs)
    assert_array_equal(one.effects, two.effects)
    assert_array_equal(again.costs, run_psa(sick_sicker, n, seed=9, chunk=BLOCK).costs)


def test_workers_are_forked_on_linux():
    from atmpcli.analysis.workers import start_method

    assert start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")


@pytest.mark.parametrize(("samples", "chunk"), [(1, CHUNK), (3, CHUNK), (BLOCK + 1, BLOCK)])
def test_fewer_chunks_than_workers(sick_sicker, samples, chunk):
    one = run_psa(sick_sicker, samples, seed=2, chunk=chunk)
    four = run_psa(sick_sicker, samples, seed=2, chunk=chunk, workers=4)
    assert four.samples == samples
    assert_array_equal(one.costs, four.costs)
    assert_array_equal(one.effects, four.effects)


def bad_rates(n: int, bad: dict[int, float]) -> dict[str, np.ndarray]:
    """r_HS1 = 0.15 in every row but the ``bad`` ones (a negative rate: a probability outside [0, 1])."""
    rates = np.full(n, 0.15)
    for row, value in bad.items():
        rates[row] = value
    return {"r_HS1": rates}


def test_the_error_is_the_first_failing_chunks_as_with_one_worker(sick_sicker, tmp_path):
    # chunks of 8,192: chunk 1 fails at its sample 1,809 (10,001 of the run) and chunk 2 at its 1,809 + 1,000;
    # one process stops at chunk 1, and so must the pool, even when a worker meets chunk 2 first
    table = bad_rates(3 * BLOCK + 5, {BLOCK + 1808: -1.0, 2 * BLOCK + 2808: -2.0})
    with pytest.raises(ScenarioError) as one:
        run_on_draws(sick_sicker, table, chunk=BLOCK)
    assert f"in sample {BLOCK + 1809} " in str(one.value)  # numbered within the run, not the chunk
    with pytest.raises(ScenarioError) as pooled:
        run_with_a_worker(sick_sicker, ChunkTask(GivenDraws(table), chunks(3 * BLOCK + 5, BLOCK), True), tmp_path)
    assert str(pooled.value) == str(one.value)
    with pytest.raises(ScenarioError) as two:
        run_on_draws(sick_sicker, table, chunk=BLOCK, workers=2)
    assert str(two.value) == str(one.value)


def test_a_worker_that_dies_is_reported(sick_sicker, tmp_path):
    task = ChunkTask(SampledDraws(1), chunks(2 * BLOCK, BLOCK), False)
    with pytest.raises(RuntimeError, match=r"a worker process stopped unexpectedly \(exit code 3\)"):
        run_with_a_worker(sick_sicker, task, tmp_path, exit_code=3)


def test_a_model_built_in_memory_cannot_be_sent_to_workers(sick_sicker):
    model = copy.copy(sick_sicker)
    model.rebuild = None
    with pytest.raises(ValueError, match="a model loaded from a scenario file"):
        run_psa(model, BLOCK + 1, seed=1, chunk=BLOCK, workers=2)
    assert run_psa(model, 10, seed=1, workers=2).samples == 10  # one chunk: nothing to send


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_cli_output_is_byte_identical_with_workers(tmp_path):
    args = ["psa", "sick_sicker", "-n", str(2 * CHUNK + 7), "--seed", "3", "-f", "csv", "--wtp", "100000"]
    one = cli(*args, "--per-sample", str(tmp_path / "one.csv"))
    two = cli(*args, "--workers", "2", "--per-sample", str(tmp_path / "two.csv"))
    assert one.exit_code == 0 and two.exit_code == 0, (one.stderr, two.stderr)
    assert two.stdout == one.stdout
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    auto = cli("psa", "sick_sicker", "-n", "50", "-f", "csv", "--workers", "auto")
    assert auto.exit_code == 0 and auto.stdout == cli("psa", "sick_sicker", "-n", "50", "-f", "csv").stdout


def test_evsi_output_is_byte_identical_with_workers():
    args = ["evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "--size", "50,200", "--wtp", "100000"]
    args += ["-n", str(2 * BLOCK + 7), "--seed", "3", "-f", "csv"]
    one, two = cli(*args), cli(*args, "--workers", "2")
    assert one.exit_code == 0 and two.exit_code == 0, (one.stderr, two.stderr)
    assert two.stdout == one.stdout


def test_report_is_identical_with_workers(tmp_path):
    args = ["report", "sick_sicker", "--psa-samples", str(2 * BLOCK + 7), "--seed", "2", "--no-figures"]
    one = cli(*args, "-o", str(tmp_path / "one.md"))
    two = cli(*args, "-o", str(tmp_path / "two.md"), "--workers", "2")
    assert one.exit_code == 0 and two.exit_code == 0, (one.stderr, two.stderr)
    assert "samples, seed 2" in (tmp_path / "one.md").read_text()  # the report has its PSA

    def text(name: str) -> str:  # without the minute it was generated in
        return re.sub(r" on \d{4}-\d\d-\d\d \d\d:\d\d UTC ", " ", (tmp_path / name).read_text())

    assert text("two.md") == text("one.md")


@pytest.mark.parametrize(
    "args",
    [
        ["evsi", "sick_sicker", "--study", "normal:u_S1", "--sd", "0.2", "--workers", "0"],
        ["evsi", "--results", "x.csv", "--study", "normal:u_S1", "--sd", "0.2", "--workers", "2"],
        ["report", "sick_sicker", "-o", "x.md", "--workers", "none"],
    ],
)
def test_bad_workers_of_evsi_and_report_are_usage_errors(args):
    result = cli(*args)
    assert result.exit_code == 2, result.stderr
    assert "--workers" in result.stderr


def test_api_psa_with_workers_equals_the_cli():
    model = atmpcli.load("sick_sicker")
    frame = model.psa(samples=CHUNK + 5, seed=4, wtp=[100_000], workers=2)
    csv = cli("psa", "sick_sicker", "-n", str(CHUNK + 5), "--seed", "4", "--wtp", "100000", "-f", "csv")
    expected = pd.read_csv(io.StringIO(csv.stdout), keep_default_na=False, na_values=[""], float_precision="round_trip")
    assert_array_equal(frame["value"].to_numpy(float), expected["value"].to_numpy(float))


def test_cli_error_from_workers_is_the_one_process_line(tmp_path):
    draws = tmp_path / "draws.csv"
    rates = bad_rates(2 * CHUNK + 10, {CHUNK + 99: -1.0, 2 * CHUNK + 3: -1.0})["r_HS1"]
    pd.DataFrame({"r_HS1": rates}).to_csv(draws, index=False)
    one = cli("psa", "sick_sicker", "--draws", str(draws), "-f", "csv")
    two = cli("psa", "sick_sicker", "--draws", str(draws), "-f", "csv", "--workers", "2")
    assert one.exit_code == two.exit_code == 1
    assert two.stdout == one.stdout == ""
    assert two.stderr == one.stderr
    assert one.stderr.count("\n") == 1 and "transitions.H.H:" in one.stderr
    assert f"in sample {CHUNK + 100} " in one.stderr  # row CHUNK + 99 (0-based): numbered in the run, not its chunk


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "0"], "expected a number of processes (1 or more) or auto, got '0'"),
        (["--workers", "two"], "got 'two'"),
        (["--workers", "2", "--scheduler", "tcp://localhost:1"], "cannot be used with --scheduler"),
    ],
)
def test_bad_workers_are_usage_errors(extra, message):
    result = cli("psa", "sick_sicker", "-n", "10", *extra)
    assert result.exit_code == 2
    assert message in result.stderr


def _stat(pid: int) -> list[str]:
    """State, parent, ... of a process from /proc/PID/stat (empty when it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def children(pid: int) -> list[int]:
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return [c for c in pids if _stat(c)[1:2] == [str(pid)]]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_ctrl_c_stops_the_workers_quietly():
    cmd = [sys.executable, "-m", "atmpcli", "psa", "sick_sicker", "-n", "2000000", "--workers", "2", "-f", "csv"]

    def default_sigint() -> None:  # a shell may start background jobs with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=default_sigint,
    )
    try:
        deadline = time.monotonic() + 120
        while not children(proc.pid) and time.monotonic() < deadline:  # the worker (spawn: a resource tracker too)
            time.sleep(0.05)
        started = children(proc.pid)
        time.sleep(1.0)  # let the worker get going
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C goes to the whole foreground process group
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert len(started) >= 1
    assert proc.returncode == 130
    assert stderr == ""
    time.sleep(0.5)
    assert [pid for pid in started if _stat(pid)[:1] not in ([], ["Z"])] == []  # none left running
