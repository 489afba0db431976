"""The lab-2 tests have teeth: each Raft mutant (tests/mutants/raft_*.py, the classic bugs of spec §8) fails the
cheapest test that catches it within 10 seeds, with that test's message, while the reference passes the same test
and seed. Seeds are tried in order and the search stops at the first failure. Recorded first failing seeds:

| mutant                             | test                    | seed | message                                       |
|------------------------------------|-------------------------|------|-----------------------------------------------|
| raft_slow_election                 | TestInitialElection2A   |    1 | expected one leader, got none                 |
| raft_fixed_election_timeout        | TestInitialElection2A   |    1 | expected one leader, got none                 |
| raft_keep_vote_on_new_term         | TestReElection2A        |    1 | expected one leader, got none                 |
| raft_apply_out_of_order            | TestConcurrentStarts2B  |    1 | apply error: server 0 apply out of order 6    |
| raft_commit_without_majority       | TestFailNoAgree2B       |    1 | 2 committed but no majority                   |
| raft_vote_without_up_to_date_check | TestRejoin2B            |    2 | apply error: commit index=2 server=2 102 !... |
| raft_frequent_heartbeats           | TestCount2B             |    1 | too many RPCs (100) for 1 second of idleness  |
| raft_figure8_commit_old_term       | TestFigure82C           |    2 | apply error: commit index=19 server=1 1932... |
| raft_truncate_on_stale_append      | TestUnreliableAgree2C   |    1 | one(702) failed to reach agreement            |
| raft_slow_backup                   | TestFigure8Unreliable2C |    1 | one(1635) failed to reach agreement           |
| raft_no_log_trim                   | TestSnapshotBasic2D     |    1 | Log size too large                            |
| raft_restart_ignores_snapshot      | TestSnapshotInit2D      |    1 | apply error: server 1 apply out of order, ... |
| raft_snapshot_not_persisted        | TestSnapshotInit2D      |    1 | apply error: server 0 apply out of order, ... |

Figure82C catches raft_figure8_commit_old_term on 8 of seeds 1-40 (2, 8, 11, 21, 29, 30, 35, 38). Not kept as
mutants, because no lab-2 test catches them within 10 seeds: ignoring the term of replies (Figure8Unreliable2C:
1 of seeds 1-30; UnreliableAgree2C: 0 of 20) and not persisting votedFor (Persist12C, Persist22C, Figure82C: 0 of
20 each).

Backup2B does not catch raft_slow_backup: the reference retries a rejected AppendEntries at once, and a reliable
network answers in 5 ms (virtual), so 50 one-entry steps take a quarter of a second (in Go, well under a
millisecond each); the 200-2199 ms reply delays of Figure8Unreliable make them slow.
"""

import pytest

from tester.run_one import run_test

SEEDS = range(1, 11)

# mutant module, the cheapest test that catches it, a piece of the message it fails with
CASES = [
    ("raft_slow_election", "TestInitialElection2A", "expected one leader, got none"),
    ("raft_fixed_election_timeout", "TestInitialElection2A", "expected one leader, got none"),
    ("raft_keep_vote_on_new_term", "TestReElection2A", "expected one leader, got none"),
    ("raft_apply_out_of_order", "TestConcurrentStarts2B", "apply out of order"),
    ("raft_commit_without_majority", "TestFailNoAgree2B", "committed but no majority"),
    ("raft_vote_without_up_to_date_check", "TestRejoin2B", "commit index="),
    ("raft_frequent_heartbeats", "TestCount2B", "for 1 second of idleness"),
    ("raft_figure8_commit_old_term", "TestFigure82C", "commit index="),
    ("raft_truncate_on_stale_append", "TestUnreliableAgree2C", "failed to reach agreement"),
    ("raft_slow_backup", "TestFigure8Unreliable2C", "failed to reach agreement"),
    ("raft_no_log_trim", "TestSnapshotBasic2D", "Log size too large"),
    ("raft_restart_ignores_snapshot", "TestSnapshotInit2D", "apply out of order, expected index 1"),
    ("raft_snapshot_not_persisted", "TestSnapshotInit2D", "apply out of order, expected index 1"),
]


def first_failure(test: str, impl: str):
    for seed in SEEDS:
        result = run_test(test, seed=seed, impl=impl, quiet=True)
        if not result.passed:
            return result
    return None


@pytest.mark.parametrize("mutant, test, message", CASES, ids=[case[0] for case in CASES])
def test_the_tester_catches_the_raft_mutant(mutant, test, message):
    failure = first_failure(test, f"tests.mutants.{mutant}")
    assert failure is not None, f"{test} passed {mutant} on seeds {SEEDS.start}-{SEEDS.stop - 1}"
    assert message in failure.message, failure.output
    reference = run_test(test, seed=failure.seed, quiet=True)
    assert reference.passed, f"the reference fails {test} on seed {failure.seed} too:\n{reference.output}"
