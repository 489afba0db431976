"""The lab-3 tests have teeth: each KV mutant (tests/mutants/kv_*.py, the classic bugs of spec §8) fails the test
meant to catch it within 10 seeds, with that test's message, while the reference passes the same test and seed.

Seeds are tried in order and the search stops at the first failure. Recorded first failing seeds:

| mutant                        | test                        | seed | message                                      |
|-------------------------------|-----------------------------|------|----------------------------------------------|
TABLE
"""

import pytest

from tester.run_one import run_test

SEEDS = range(1, 11)

# mutant module, the cheapest test that catches it, a piece of the message it fails with
CASES = [
    ("kv_no_dup_detection", "TestUnreliableOneKey3A", "duplicate element"),
    ("kv_minority_reads", "TestOnePartition3A", "Get in minority completed"),
    ("kv_snapshot_without_dup_table", "TestSnapshotUnreliableRecover3B", "duplicate element"),
    ("kv_log_in_snapshot", "TestSnapshotSize3B", "snapshot too large"),
    ("kv_wait_forever", "TestManyPartitionsOneClient3A", "longer than 120 seconds"),
    ("kv_heartbeat_wait", "TestSpeed3A", "Operations completed too slowly"),
]


def first_failure(test: str, impl: str):
    for seed in SEEDS:
        result = run_test(test, seed=seed, impl=impl, quiet=True)
        if not result.passed:
            return result
    return None


@pytest.mark.slow
@pytest.mark.parametrize("mutant, test, message", CASES, ids=[case[0] for case in CASES])
def test_the_tester_catches_the_kv_mutant(mutant, test, message):
    failure = first_failure(test, f"tests.mutants.{mutant}")
    assert failure is not None, f"{test} passed {mutant} on seeds {SEEDS.start}-{SEEDS.stop - 1}"
    assert message in failure.message, failure.output
    reference = run_test(test, seed=failure.seed, quiet=True)
    assert reference.passed, f"the reference fails {test} on seed {failure.seed} too:\n{reference.output}"
