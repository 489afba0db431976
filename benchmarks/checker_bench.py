"""Time the linearizability checker on Porcupine's public histories (spec §7.5).

python benchmarks/checker_bench.py [DATA_DIR]     DATA_DIR defaults to tests/data/porcupine (shipped in the repo)
prints `<file>: <verdict> <seconds>` per history (a mismatch with the published verdict is flagged), then
`kv_total_s`, `etcd_total_s` and `checker_total_s` (checking only; parsing is not timed). Go's figures for
comparison: kv c50-ok 0.19 s, c50-bad 0.05 s, all 102 etcd logs under 1 s.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tester.porcupine import MODELS, CheckResult, check_operations, load_history  # noqa: E402
from tester.porcupine.testdata import find_test_data, published_cases  # noqa: E402


def main(argv):
    try:
        root = find_test_data(argv[1] if len(argv) > 1 else None)
    except FileNotFoundError as err:
        sys.exit(f"checker_bench: {err}")
    totals = {"kv": 0.0, "etcd": 0.0}
    mismatches = 0
    for case in published_cases(root):
        history = load_history(case.path)
        start = time.perf_counter()
        result = check_operations(MODELS[history.model], history.operations)
        elapsed = time.perf_counter() - start
        totals[case.name.split("/")[0]] += elapsed
        wrong = (result is CheckResult.OK) != case.linearizable
        mismatches += wrong
        print(f"{case.name}: {result.value} {elapsed:.4f}" + ("  MISMATCH with the published verdict" if wrong else ""))
    print(f"kv_total_s: {totals['kv']:.3f}")
    print(f"etcd_total_s: {totals['etcd']:.3f}")
    print(f"checker_total_s: {totals['kv'] + totals['etcd']:.3f}")
    print(f"verdict_mismatches: {mismatches}")


if __name__ == "__main__":
    main(sys.argv)
