"""Run a command in a child process; print its wall time (s) and peak resident memory (MiB) as JSON."""

import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
print(
    json.dumps({"wall": wall, "peak_mib": peak_kib / 1024, "returncode": proc.returncode, "stderr": proc.stderr[-500:]})
)
