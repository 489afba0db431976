"""Grading throughput: `raftlab grade` on a class of fixture submissions (copies of the reference and two mutants),
sandboxed (bubblewrap) and not, and the database's write cost per run.

Prints `name: value` lines: the machine's load average before and after, runs, runs_per_minute for each mode (the
median of --repeat gradings, each into a fresh database), isolation_overhead_per_run_ms (sandboxed minus
unsandboxed wall time, per run) and db_write_us_per_run (Store.add_run, one transaction each, synchronous=FULL).

    python benchmarks/grade_bench.py                            # the issue's class: 20 submissions x lab 2 x 5 seeds
    python benchmarks/grade_bench.py --tests 2A --seeds 2 --submissions 10 --repeat 3   # a quicker look
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading.model import RunRow  # noqa: E402
from grading.store import Store  # noqa: E402
from tests.grading_class import build_class  # noqa: E402


def make_class(folder: Path, size: int) -> None:
    build_class(folder, ["reference", "slow_election", "no_majority"])
    for n in range(size - 3):
        shutil.copytree(folder / "reference", folder / f"student{n:03d}")


def grade_once(folder: Path, rubric: Path, sandbox: str, workers: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "g.sqlite"
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "tester.cli", "grade", str(folder), "--rubric", str(rubric),
                               "--db", str(db), "--workers", str(workers)], stdout=subprocess.DEVNULL,
                              env=dict(os.environ, RAFTLAB_SANDBOX=sandbox))
        wall = time.monotonic() - started
        if done.returncode != 0:
            sys.exit(f"grading failed (exit {done.returncode})")
        store = Store(db)
        runs = len(store.runs())
        store.close()
    return wall, runs


def db_write_us(rows: int = 2000) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "g.sqlite")
        started = time.perf_counter()
        for n in range(rows):
            store.add_run(RunRow("student", "hash", "TestBackup2B", n, False, "failed", "message " * 20,
                                 12.5, 1.25, 1000, "log line\n" * 40))
        elapsed = time.perf_counter() - started
        store.close()
    return elapsed / rows * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--tests", default="lab2", help="a selector for the rubric's one item (default lab2)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1, help="gradings per mode; the median is printed")
    args = parser.parse_args()
    print(f"load_average_before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        folder, rubric = Path(scratch) / "class", Path(scratch) / "rubric.toml"
        make_class(folder, args.submissions)
        rubric.write_text(f'seeds = {list(range(1, args.seeds + 1))}\ntimeout = 300\n[[item]]\nname = "all"\n'
                          f'tests = ["{args.tests}"]\npoints = 100\nrule = "proportional"\n')
        walls = {}
        for sandbox in ("bwrap", "none") if shutil.which("bwrap") else ("none",):
            results = [grade_once(folder, rubric, sandbox, args.workers) for _ in range(args.repeat)]
            walls[sandbox] = statistics.median(wall for wall, _ in results)
            runs = results[0][1]
            print(f"runs: {runs}")
            print(f"runs_per_minute_{sandbox}: {runs / walls[sandbox] * 60:.0f}")
        if "bwrap" in walls:
            print(f"isolation_overhead_per_run_ms: {(walls['bwrap'] - walls['none']) / runs * 1000:.1f}")
    print(f"db_write_us_per_run: {db_write_us():.0f}")
    print(f"load_average_after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
