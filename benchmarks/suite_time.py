"""How long whole labs take, per implementation and mode, with operations and RPCs per test beside Go's figures.

    python benchmarks/suite_time.py [LAB...] [--tests SELECTOR] [--impls reference,naive] [--modes isolated]
                                    [--repeat 3] [--seed N] [--per-test]
        LAB: lab2, lab3 (default both); --tests: `raftlab test` selectors instead, comma-separated (2A,3B...);
        --impls: reference, naive (benchmarks/subjects/naive) or a folder; --modes: isolated, in-process.

Every test runs --repeat times per (implementation, mode), the combinations side by side, test by test, the order
rotating, and each figure is the median of its repeats. Prints `name: value` lines:
    load_average_before / _after       the machine's 1-minute load average (figures from a loaded machine are slow)
    <lab>_<impl>_<mode>_wall_s          wall-clock seconds for the lab (sum over its tests of each test's median)
    <lab>_<impl>_<mode>_cpu_s           CPU seconds of this process and its children (the student sides, when
                                        they are direct children: RAFTLAB_SANDBOX=none; in bubblewrap they are not)
    <lab>_<impl>_<mode>_virtual_s       simulated seconds; _rpcs, _ops: sums over the lab's tests
    <lab>_<impl>_over_reference_wall    the ratio to the reference, same mode (with more than one impl)
    <lab>_failed                        runs that failed (their messages go to stderr); exit status 1 if any
    go_<lab>_wall_s, go_<lab>_rpcs, go_<lab>_ops    the Go tester's handout figures for the same tests
With --per-test, one line per test and combination: `test.<Name>.<impl>.<mode>: wall W cpu C rpcs R ops O
(Go: T s, R rpcs, O ops)`. ops: Go's last field, the highest committed index (lab 2) or clerk operations (lab 3).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from measure import print_load, repeat_option  # noqa: E402  (benchmarks/, this script's own folder)
from tester import registry  # noqa: E402  (after the path fix, so the script runs from a checkout)
from tester.run_one import run_test  # noqa: E402

IMPLS = {"reference": None, "naive": os.path.join(ROOT, "benchmarks", "subjects", "naive")}
# The Go tester's handout runs (spec section 9): test -> (seconds, RPCs, last field: commands or clerk ops).
GO = {
    "TestInitialElection2A": (3.5, 58, 0), "TestReElection2A": (5.4, 118, 0), "TestManyElections2A": (7.3, 624, 0),
    "TestBasicAgree2B": (0.9, 16, 3), "TestRPCBytes2B": (1.7, 48, 11), "TestFailAgree2B": (3.6, 78, 7),
    "TestFailNoAgree2B": (3.8, 172, 3), "TestConcurrentStarts2B": (1.1, 24, 6), "TestRejoin2B": (5.1, 152, 4),
    "TestBackup2B": (17.2, 2080, 102), "TestCount2B": (2.2, 60, 12), "TestPersist12C": (5.0, 86, 6),
    "TestPersist22C": (17.6, 952, 16), "TestPersist32C": (2.0, 34, 4), "TestFigure82C": (31.2, 580, 32),
    "TestUnreliableAgree2C": (1.7, 1044, 246), "TestFigure8Unreliable2C": (33.6, 10700, 308),
    "TestReliableChurn2C": (16.1, 8864, 1544), "TestUnreliableChurn2C": (16.5, 4220, 906),
    "TestSnapshotBasic2D": (11.6, 176, 192), "TestSnapshotInstall2D": (64.2, 878, 336),
    "TestSnapshotInstallUnreliable2D": (81.1, 1059, 341), "TestSnapshotInstallCrash2D": (53.5, 601, 339),
    "TestSnapshotInstallUnCrash2D": (63.5, 687, 336), "TestSnapshotAllCrash2D": (19.5, 268, 58),
    "TestBasic3A": (15.5, 4576, 903), "TestSpeed3A": (15.7, 3022, 0), "TestConcurrent3A": (15.9, 5884, 1160),
    "TestUnreliable3A": (19.2, 3083, 441), "TestUnreliableOneKey3A": (2.5, 218, 52),
    "TestOnePartition3A": (1.7, 103, 2), "TestManyPartitionsOneClient3A": (23.8, 4501, 765),
    "TestManyPartitionsManyClients3A": (23.5, 5692, 974), "TestPersistOneClient3A": (22.2, 4721, 908),
    "TestPersistConcurrent3A": (22.5, 5490, 1033), "TestPersistConcurrentUnreliable3A": (26.5, 3532, 474),
    "TestPersistPartition3A": (29.7, 6122, 1060), "TestPersistPartitionUnreliable3A": (32.9, 2967, 317),
    "TestPersistPartitionUnreliableLinearizable3A": (35.0, 8249, 746), "TestSnapshotRPC3B": (4.0, 289, 63),
    "TestSnapshotSize3B": (2.6, 2418, 800), "TestSpeed3B": (3.2, 3025, 0), "TestSnapshotRecover3B": (21.9, 29266, 5820),
    "TestSnapshotRecoverManyClients3B": (21.5, 33115, 6420), "TestSnapshotUnreliable3B": (17.4, 3233, 482),
    "TestSnapshotUnreliableRecover3B": (22.7, 3337, 471),
    "TestSnapshotUnreliableRecoverConcurrentPartition3B": (30.4, 2725, 274),
    "TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B": (37.7, 8378, 681),
}


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _ops(passed_line: str) -> int:
    """The last number of the Go-style line `  ... Passed --   3.1  3   54   17042    0   real ...`."""
    fields = re.findall(r"[\d.]+", passed_line.split("Passed --", 1)[-1].split("real", 1)[0])
    return int(float(fields[-1])) if fields else 0


def run_once(test, impl, mode: str, seed: int) -> dict:
    lines = []
    wall0, cpu0 = time.perf_counter(), _cpu()
    result = run_test(test, seed=seed, impl=impl, quiet=False, in_process=(mode == "in-process"),
                      printer=lambda text, kind: lines.append(text) if kind == "passed" else None)
    return {"wall": time.perf_counter() - wall0, "cpu": _cpu() - cpu0, "virtual": result.virtual_s,
            "rpcs": result.rpcs, "ops": _ops(lines[0]) if lines else 0, "result": result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", metavar="LAB")
    parser.add_argument("--tests", default=None, help="raftlab test selectors, comma-separated, instead of whole labs "
                                                      "(e.g. 2A or TestBasic3A,TestSpeed3A)")
    parser.add_argument("--impls", default="reference,naive")
    parser.add_argument("--modes", default="isolated")
    repeat_option(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-test", action="store_true")
    args = parser.parse_args()
    modes, impls = args.modes.split(","), args.impls.split(",")
    if not set(modes) <= {"isolated", "in-process"}:
        parser.error("--modes: a comma-separated list of isolated, in-process")
    for name in impls:
        if name not in IMPLS and not os.path.isdir(name):
            parser.error(f"--impls: {name!r} is neither reference, naive nor a folder")
    if args.tests:
        tests = registry.select(args.tests.split(","))
    else:
        labs = args.labs or ["lab2", "lab3"]
        tests = [t for t in registry.all_tests() if t.lab in labs]
    if not tests:
        parser.error("no test selected")
    combos = [(impl, mode) for impl in impls for mode in modes]
    print_load("before")
    samples: dict[tuple, list[dict]] = defaultdict(list)
    failures = []
    totals: dict[str, float] = defaultdict(float)
    for number, test in enumerate(tests):
        for repeat in range(args.repeat):
            shift = (number + repeat) % len(combos)
            for impl, mode in combos[shift:] + combos[:shift]:
                sample = run_once(test, IMPLS.get(impl, impl), mode, args.seed)
                samples[(test.name, impl, mode)].append(sample)
                if not sample["result"].passed:
                    failures.append(sample["result"])
        go = GO.get(test.name)
        for impl, mode in combos:
            runs = samples[(test.name, impl, mode)]
            median = {k: statistics.median(s[k] for s in runs) for k in ("wall", "cpu", "virtual", "rpcs", "ops")}
            key = f"{test.lab}_{os.path.basename(impl)}_{mode.replace('-', '_')}"
            for k, value in median.items():
                totals[f"{key}_{k}" + ("_s" if k in ("wall", "cpu", "virtual") else "")] += value
            if args.per_test:
                go_text = f" (Go: {go[0]} s, {go[1]} rpcs, {go[2]} ops)" if go else ""
                print(f"test.{test.name}.{os.path.basename(impl)}.{mode}: wall {median['wall']:.2f} cpu "
                      f"{median['cpu']:.2f} rpcs {median['rpcs']:.0f} ops {median['ops']:.0f}{go_text}", flush=True)
        if go:
            totals[f"go_{test.lab}_wall_s"] += go[0]
            totals[f"go_{test.lab}_rpcs"] += go[1]
            totals[f"go_{test.lab}_ops"] += go[2]
    for name in sorted(totals):
        print(f"{name}: {totals[name]:.2f}" if name.endswith("_s") else f"{name}: {totals[name]:.0f}")
    for lab in sorted({t.lab for t in tests}):
        for impl, mode in combos:
            if impl != "reference" and "reference" in impls:
                mine = totals[f"{lab}_{os.path.basename(impl)}_{mode.replace('-', '_')}_wall_s"]
                ref = totals[f"{lab}_reference_{mode.replace('-', '_')}_wall_s"]
                print(f"{lab}_{os.path.basename(impl)}_over_reference_{mode.replace('-', '_')}_wall: "
                      f"{mine / ref:.2f}")
        print(f"{lab}_failed: {sum(1 for r in failures if registry.get(r.test).lab == lab)}")
    for result in failures:
        print(f"FAILED {result.test} seed={result.seed}: {result.message}", file=sys.stderr)
    print_load("after")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
