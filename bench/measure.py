"""Run one command in a child process under a memory cap and a time limit; print what it cost as JSON.

Usage: python bench/measure.py CAP_MIB TIMEOUT_S COMMAND [ARGS...]
Prints {"wall": seconds, "peak_mib": peak resident memory, "returncode": ..., "timed_out": ...,
"stderr": last lines}. The cap is on address space (RLIMIT_AS), so a run that would need more fails
with a MemoryError instead of taking the machine down; on timeout the child's process group is killed.
"""

import json
import os
import resource
import signal
import subprocess
import sys
import time


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
    timed_out = False
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
    out = {
        "wall": wall,
        "peak_mib": peak_kib / 1024,
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "stderr": stderr[-600:],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
