"""Time the linearizability checker on Porcupine's public histories (spec §7.5).

python benchmarks/checker_bench.py [DATA_DIR] [--repeat R]    DATA_DIR defaults to tests/data/porcupine
prints `<file>: <verdict> <seconds>` per history (a mismatch with the published verdict is flagged), then
`kv_total_s`, `etcd_total_s` and `checker_total_s` (checking only; parsing is not timed), each history's time the
median of R checks (default 3), and the load average before and after. Go's figures for comparison: kv c50-ok
0.19 s, c50-bad 0.05 s, all 102 etcd logs under 1 s.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import median_of, print_load, repeat_option  # noqa: E402  (this script's own folder)
from tester.porcupine import MODELS, CheckResult, check_operations, load_history  # noqa: E402
from tester.porcupine.testdata import find_test_data, published_cases  # noqa: E402


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=None)
    repeat_option(parser)
    options = parser.parse_args(argv[1:])
    try:
        root = find_test_data(options.data_dir)
    except FileNotFoundError as err:
        sys.exit(f"checker_bench: {err}")
    print_load("before")
    totals = {"kv": 0.0, "etcd": 0.0}
    mismatches = 0
    for case in published_cases(root):
        history = load_history(case.path)
        outcome = []

        def check():
            start = time.perf_counter()
            outcome[:] = [check_operations(MODELS[history.model], history.operations)]
            return time.perf_counter() - start
        elapsed = median_of(check, options.repeat)
        result = outcome[0]
        totals[case.name.split("/")[0]] += elapsed
        wrong = (result is CheckResult.OK) != case.linearizable
        mismatches += wrong
        print(f"{case.name}: {result.value} {elapsed:.4f}" + ("  MISMATCH with the published verdict" if wrong else ""))
    print(f"kv_total_s: {totals['kv']:.3f}")
    print(f"etcd_total_s: {totals['etcd']:.3f}")
    print(f"checker_total_s: {totals['kv'] + totals['etcd']:.3f}")
    print(f"verdict_mismatches: {mismatches}")
    print_load("after")


if __name__ == "__main__":
    main(sys.argv)
