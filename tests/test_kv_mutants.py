"""The lab-3 tests have teeth: each KV mutant (tests/mutants/kv_*.py, a classic bug of spec §8) fails the cheapest
test meant to catch it within 10 seeds, with that test's message, while the reference passes the same test and
seed. Seeds are tried in order; the search stops at the first failure. Recorded (reference Raft, RPC_LATENCY 5 ms):

| mutant                        | test                            | seed | message                                        |
|-------------------------------|---------------------------------|------|------------------------------------------------|
| kv_no_dup_detection           | TestUnreliableOneKey3A          | 1    | duplicate element x 1 4 y in Append result     |
| kv_minority_reads             | TestOnePartition3A              | 1    | Get in minority completed                      |
| kv_snapshot_without_dup_table | TestSnapshotUnreliableRecover3B | 1    | duplicate element x 3 16 y in Append result    |
| kv_log_in_snapshot            | TestSnapshotSize3B              | 1    | snapshot too large (952 > 500)                 |
| kv_wait_forever               | TestOnePartition3A              | 1    | Put did not complete                           |
| kv_heartbeat_wait             | TestSpeed3A                     | 1    | Operations completed too slowly 100ms/op > ... |
| kv_reply_for_any_op           | TestReplyOnlyForOwnOp3X         | 1    | Get('0.1') = 'majority', but the clerk was ... |

Catch rates over seeds 1-10: 10/10 for each, except kv_snapshot_without_dup_table (9/10, half of them as
`get wrong value`: the client's own Get sees the doubled append before the final check does).
"""

import pytest

from tests.mutants.catching import first_failure

# mutant module, the cheapest test that catches it, the messages it may fail with
CASES = [
    ("kv_no_dup_detection", "TestUnreliableOneKey3A", ["duplicate element"]),
    ("kv_minority_reads", "TestOnePartition3A", ["Get in minority completed"]),
    ("kv_snapshot_without_dup_table", "TestSnapshotUnreliableRecover3B", ["duplicate element", "get wrong value"]),
    ("kv_log_in_snapshot", "TestSnapshotSize3B", ["snapshot too large"]),
    ("kv_wait_forever", "TestOnePartition3A", ["Put did not complete"]),
    ("kv_heartbeat_wait", "TestSpeed3A", ["Operations completed too slowly"]),
    ("kv_reply_for_any_op", "TestReplyOnlyForOwnOp3X", ["but the clerk was told that Put"]),
]


@pytest.mark.parametrize("mutant, test, messages", CASES, ids=[case[0] for case in CASES])
def test_the_tester_catches_the_kv_mutant(mutant, test, messages):
    failure = first_failure(mutant, test)
    assert not failure.unknown and any(m in failure.message for m in messages), failure.output
