"""How long a whole lab's test suite takes against the reference, with student code isolated and in-process.

    python benchmarks/suite_time.py LAB... [--seed N] [--modes isolated,in-process]     LAB: lab2, lab3

Runs every test of each lab once per mode, in Go's order, the modes side by side (test by test, alternating which
goes first), and prints one `name: value` line per figure:
    <lab>_<mode>_wall_s     wall-clock seconds of the lab in that mode (mode: isolated, in_process)
    <lab>_<mode>_cpu_s      CPU seconds of this process and of its children (the student sides) for the lab
    <lab>_<part>_<mode>_wall_s   the same per part (2A ... 3B)
    <lab>_virtual_s         simulated seconds of the lab (sum of the tests' virtual durations, first mode)
    <lab>_isolated_over_in_process_wall / _cpu   the cost of isolation, as ratios
    <lab>_failed            runs that failed (names and messages go to stderr); exit status 1 if any
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tester import registry  # noqa: E402  (after the path fix, so the script runs from a checkout)
from tester.run_one import run_test  # noqa: E402


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_lab(lab: str, seed: int, modes: list[str]) -> tuple[dict[str, float], list]:
    tests = [t for t in registry.all_tests() if t.lab == lab]
    if not tests:
        raise SystemExit(f"no tests registered for {lab!r}; labs: {sorted({t.lab for t in registry.all_tests()})}")
    wall, cpu, virtual = defaultdict(float), defaultdict(float), 0.0
    failures = []
    for number, test in enumerate(tests):
        order = modes if number % 2 == 0 else list(reversed(modes))
        for mode in order:
            wall0, cpu0 = time.perf_counter(), _cpu()
            result = run_test(test, seed=seed, quiet=True, in_process=(mode == "in-process"))
            elapsed, used = time.perf_counter() - wall0, _cpu() - cpu0
            key = mode.replace("-", "_")
            wall[key] += elapsed
            cpu[key] += used
            wall[f"{test.part}_{key}"] += elapsed
            if mode == modes[0]:
                virtual += result.virtual_s
            if not result.passed:
                failures.append(result)
    figures: dict[str, float] = {}
    for mode in modes:
        key = mode.replace("-", "_")
        figures[f"{lab}_{key}_wall_s"] = wall[key]
        figures[f"{lab}_{key}_cpu_s"] = cpu[key]
        for part in sorted({t.part for t in tests}):
            figures[f"{lab}_{part}_{key}_wall_s"] = wall[f"{part}_{key}"]
    figures[f"{lab}_virtual_s"] = virtual
    if set(modes) == {"isolated", "in-process"}:
        figures[f"{lab}_isolated_over_in_process_wall"] = wall["isolated"] / wall["in_process"]
        figures[f"{lab}_isolated_over_in_process_cpu"] = cpu["isolated"] / cpu["in_process"]
    figures[f"{lab}_failed"] = len(failures)
    return figures, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="+", metavar="LAB")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="isolated,in-process")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if not modes or not set(modes) <= {"isolated", "in-process"}:
        parser.error("--modes: a comma-separated list of isolated, in-process")
    failed = 0
    for lab in args.labs:
        figures, failures = time_lab(lab, args.seed, modes)
        for name, value in figures.items():
            print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}", flush=True)
        for result in failures:
            print(f"FAILED {result.test} seed={result.seed}: {result.message}", file=sys.stderr)
        failed += len(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
