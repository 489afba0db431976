"""How long a whole lab's test suite takes against the reference implementation, in virtual time.

    python benchmarks/suite_time.py LAB... [--seed N]     LAB: lab2, lab3

Runs every test of each lab once, in Go's order, in this process, and prints one `name: value` line per figure:
    <part>_wall_s       wall-clock seconds of each part (2A_wall_s ... 2D_wall_s; 3A_wall_s, 3B_wall_s)
    <lab>_wall_s        wall-clock seconds of the whole lab
    <lab>_cpu_s         CPU seconds of this process for the lab
    <lab>_virtual_s     simulated seconds of the lab (the sum of the tests' virtual durations)
    <lab>_failed        how many tests failed (their names and messages go to stderr); exit status 1 if any
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tester import registry  # noqa: E402  (after the path fix, so the script runs from a checkout)
from tester.run_one import run_test  # noqa: E402


def time_lab(lab: str, seed: int) -> tuple[dict[str, float], list]:
    tests = [t for t in registry.all_tests() if t.lab == lab]
    if not tests:
        raise SystemExit(f"no tests registered for {lab!r}; labs: {sorted({t.lab for t in registry.all_tests()})}")
    figures: dict[str, float] = {}
    failures = []
    wall0, cpu0, virtual = time.perf_counter(), time.process_time(), 0.0
    for part in sorted({t.part for t in tests}):
        part0 = time.perf_counter()
        for test in (t for t in tests if t.part == part):
            result = run_test(test, seed=seed, quiet=True)
            virtual += result.virtual_s
            if not result.passed:
                failures.append(result)
        figures[f"{part}_wall_s"] = time.perf_counter() - part0
    figures[f"{lab}_wall_s"] = time.perf_counter() - wall0
    figures[f"{lab}_cpu_s"] = time.process_time() - cpu0
    figures[f"{lab}_virtual_s"] = virtual
    figures[f"{lab}_failed"] = len(failures)
    return figures, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="+", metavar="LAB")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    failed = 0
    for lab in args.labs:
        figures, failures = time_lab(lab, args.seed)
        for name, value in figures.items():
            print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}", flush=True)
        for result in failures:
            print(f"FAILED {result.test} seed={result.seed}: {result.message}", file=sys.stderr)
        failed += len(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
