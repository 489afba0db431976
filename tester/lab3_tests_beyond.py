"""Part 3X, "beyond the Go tester": key/value tests of our own, in the style of kvraft/test_test.go.

    test_reply_only_for_own_op_3X   TestReplyOnlyForOwnOp3X: a leader cut off alone with pending Puts, a majority
                                    that commits other Puts at their indices, a heal within a second; every Put a
                                    clerk was told succeeded must be what a later Get returns

Run them with `raftlab test 3X` (not part of `lab3`, which stays Go's). Time is virtual.
"""

from __future__ import annotations

import asyncio

from tester.kv_config import make_config
from tester.lab3_helpers import get, put
from tester.registry import lab_test

OWN_OP_ROUNDS = 3            # the scenario, repeated: each round is a fresh chance for the bug to show
OWN_OP_CLERKS = 5            # clerks with a Put pending at the cut-off leader, per round
OWN_OP_SPREAD = 0.100        # seconds (virtual) over which their Puts reach it: one heartbeat interval


@lab_test("3X", "Test: reply only for the clerk's own op, after a partition heals (3X)")
async def test_reply_only_for_own_op_3X(t):
    """Lab 3 text: a leader that called Start() must not reply for an index whose applied op is not the clerk's.
    It must "detect that it has lost leadership, by noticing that a different request has appeared at the index
    returned by Start(), or that Raft's term has changed"; a term checked now and then is not enough, since the
    leader may learn the new term and apply the new leader's entry at that index between two checks. Replying OK
    there breaks linearizability (Raft paper §8): the clerk's Put never executed.

    Each round: the leader is cut off alone; a clerk in the majority Puts OWN_OP_CLERKS keys (a new leader, so
    these take the old leader's next indices); then OWN_OP_CLERKS clerks that reach only the old leader each Put
    one of those keys, their requests spread over a heartbeat interval (so whatever the phase of a server's
    periodic check, some handler waits for its next one when the new entries are applied); then the partition
    heals, and every clerk may reach every server. Once all those Puts return, a Get of each key must return the
    value of that clerk's Put, which started after the majority's Put had returned.

    Fair: no bound on time here but the lab's overall test limit. A correct server answers ErrWrongLeader when
    another op appears at its index (or its term changes, or it gives up waiting), and the clerk retries at the
    new leader; any election timeout, heartbeat or retry interval passes.
    """
    nservers = 3
    cfg = await make_config(t, nservers, False, -1)
    ck = cfg.make_client(cfg.all())

    cfg.begin("Test: reply only for the clerk's own op, after a partition heals (3X)")

    for r in range(OWN_OP_ROUNDS):
        await put(cfg, ck, "round", str(r), None, -1)   # a leader, which has committed everything in its log

        p1, p2 = cfg.make_partition()   # p2: the leader alone
        cfg.partition(p1, p2)
        keys = [f"{r}.{j}" for j in range(OWN_OP_CLERKS)]

        ckp1 = cfg.make_client(p1)
        for key in keys:   # the majority elects a new leader, which commits these at the old leader's next indices
            await put(cfg, ckp1, key, "majority", None, -1)

        clerks = [cfg.make_client(p2) for _ in keys]
        puts = []
        for key, ckp2 in zip(keys, clerks):
            puts.append(t.go(put(cfg, ckp2, key, f"minority {key}", None, -1), name=f"put {key} in minority"))
            await asyncio.sleep(OWN_OP_SPREAD / OWN_OP_CLERKS)

        cfg.connect_all()   # the heal: the old leader learns the new term and applies the majority's Puts
        for ckp2 in clerks:
            cfg.connect_client(ckp2, cfg.all())
        await t.wait_all(puts)

        for key in keys:
            v = await get(cfg, ck, key, None, -1)
            if v != f"minority {key}":
                t.fatalf(f"Get({key!r}) = {v!r}, but the clerk was told that Put({key!r}, 'minority {key}') "
                         f"succeeded, and it began after Put({key!r}, 'majority') returned: a server replied OK "
                         f"for an index where another op was applied (round {r})")
        for c in [ckp1, *clerks]:
            cfg.delete_client(c)

    cfg.end()
