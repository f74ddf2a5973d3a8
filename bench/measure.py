"""Run one command in a child process under a memory cap and a time limit; print what it cost as JSON.

Usage: python bench/measure.py CAP_MIB TIMEOUT_S COMMAND [ARGS...]
Prints {"wall": seconds, "cpu": user + system seconds, "peak_mib": peak resident memory, "returncode": ..., "timed_out": ...,
"stderr": last lines}. The cap is on address space (RLIMIT_AS), so a run that would need more fails
with a MemoryError instead of taking the machine down; on timeout the child's process group is killed.

A command with ``--workers`` runs in several processes: its peak_mib is then the largest sum, over the
process and its descendants, of their proportional set sizes (Pss: pages a forked worker shares with
its parent are counted once, not in each), sampled every 20 ms; "peak_one_mib" keeps the peak of the
largest single process. The cap applies to each process.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

POLL = 0.02  # seconds between samples of the memory of a process tree


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # gone meanwhile
            continue
    return out


def pss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


def watch_tree(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Keep in ``peak[0]`` the largest total Pss (KiB) of the tree under ``pid`` until ``stop`` is set."""
    while not stop.wait(POLL):
        peak[0] = max(peak[0], sum(pss_kib(p) for p in descendants(pid)))


def main() -> None:
    cap_bytes = int(float(sys.argv[1]) * 2**20)
    timeout = float(sys.argv[2])
    cmd = sys.argv[3:]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=limit, start_new_session=True
    )
    stop, tree_peak = threading.Event(), [0]
    several = "--workers" in cmd and Path("/proc/self/smaps_rollup").exists()
    watcher = threading.Thread(target=watch_tree, args=(proc.pid, stop, tree_peak), daemon=True)
    if several:
        watcher.start()
    timed_out = False
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kib = usage.ru_maxrss  # Linux: KiB (the largest process)
    out = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,  # of the process and its workers: less sensitive to load
        "peak_mib": (max(tree_peak[0], peak_kib) if several else peak_kib) / 1024,
        "peak_one_mib": peak_kib / 1024,
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "stderr": stderr[-600:],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
