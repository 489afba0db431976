"""Throughput of the parallel runner, and the start-up of one `raftlab test`, against the reference.

    python benchmarks/runner_bench.py [--repeat R] [--runs N] [--in-process]
prints `name: value` lines, each the median of R measurements (default 3), and the load average before and after:
    runs_per_minute_1_worker, runs_per_minute_2_workers   `raftlab test 2A --runs N --workers W` (N=40), wall clock
    two_workers_over_one                                   the speed-up from the second worker (ideal: 2)
    (--in-process: student code in the workers' own processes, which shows what the runner itself scales to: in
    the isolated default each run has a student side of its own, a second busy process)
    startup_s       wall seconds of `raftlab test TestInitialElection2A --seed 1` (the installed script) minus the
                    test's own real time: the interpreter, the re-execution with PYTHONHASHSEED=0, imports, the
                    implementation check (a student side started and made to import the implementation)
    list_s          wall seconds of `raftlab test --list 2A` (no student side at all)
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import median_of, print_load, repeat_option

# What a user runs: the installed `raftlab` script (it re-executes itself with PYTHONHASHSEED=0 before its imports;
# `python -m tester.cli`, the fallback in a bare checkout, only after them).
_SCRIPT = os.path.join(os.path.dirname(sys.executable), "raftlab")
RAFTLAB = [_SCRIPT] if os.access(_SCRIPT, os.X_OK) else [sys.executable, "-m", "tester.cli"]
ROOT = Path(__file__).resolve().parents[1]


def _raftlab(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run([*RAFTLAB, *args], cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="1"),
                          stdout=subprocess.DEVNULL)
    return time.monotonic() - started, done


def runs_per_minute(workers: int, runs: int, in_process: bool = False) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        records = Path(scratch) / "runs.json"
        wall, done = _raftlab("test", "2A", "--runs", str(runs), "--workers", str(workers), "--seed", "1",
                              "--output", scratch, "--json", str(records), *(["--in-process"] if in_process else []))
        results = json.loads(records.read_text())
    failed = [r for r in results if not r.get("passed")]
    if done.returncode != 0 or failed or len(results) != 3 * runs:
        sys.exit(f"runner_bench: `raftlab test 2A --runs {runs} --workers {workers}` exited {done.returncode} with "
                 f"{len(results)} records, {len(failed)} not passed: {str(failed[:1])[:500]}")
    return len(results) / wall * 60


def startup() -> float:
    # PYTHONHASHSEED is not 0 on purpose: a user's shell has it unset, and raftlab then re-executes itself once,
    # which is part of what a user waits for.
    started = time.monotonic()
    done = subprocess.run([*RAFTLAB, "test", "TestInitialElection2A", "--seed", "1"], cwd=ROOT, text=True,
                          env=dict(os.environ, PYTHONHASHSEED="1"), stdout=subprocess.PIPE)
    wall = time.monotonic() - started
    test_real = sum(float(x) for x in re.findall(r"real ([\d.]+) s  seed=", done.stdout))
    return wall - test_real


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--in-process", action="store_true", help="student code in the workers' processes")
    repeat_option(parser)
    options = parser.parse_args()
    print_load("before")
    ones, twos = [], []
    for _ in range(max(1, options.repeat)):   # side by side: 1, 2, 1, 2...
        ones.append(runs_per_minute(1, options.runs, options.in_process))
        twos.append(runs_per_minute(2, options.runs, options.in_process))
    one, two = statistics.median(ones), statistics.median(twos)
    print(f"runs_per_minute_1_worker: {one:.0f}", flush=True)
    print(f"runs_per_minute_2_workers: {two:.0f}", flush=True)
    print(f"two_workers_over_one: {two / one:.2f}")
    print(f"startup_s: {median_of(startup, options.repeat):.3f}")
    print(f"list_s: {median_of(lambda: _raftlab('test', '--list', '2A')[0], options.repeat):.3f}")
    print_load("after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
