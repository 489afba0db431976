"""Throughput of the parallel runner: `raftlab test 2A --runs 40 --workers 2` against the reference.

Prints `runs_per_minute: <n>` (and the runs and wall seconds behind it). Usage: python benchmarks/runner_bench.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ["test", "2A", "--runs", "40", "--workers", "2", "--seed", "1"]

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        records = Path(scratch) / "runs.json"
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "tester.cli", *COMMAND, "--output", scratch,
                               "--json", str(records)], env=dict(os.environ, PYTHONHASHSEED="0"),
                              stdout=subprocess.DEVNULL)
        wall = time.monotonic() - started
        runs = json.loads(records.read_text())
    print(f"runs: {len(runs)}")
    print(f"runs_passed: {sum(r['passed'] for r in runs)}")
    print(f"wall_s: {wall:.2f}")
    print(f"runs_per_minute: {len(runs) / wall * 60:.0f}")
    sys.exit(done.returncode)
