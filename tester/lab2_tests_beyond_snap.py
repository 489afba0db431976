"""Part 2X, "beyond the Go tester", with snapshots: Raft tests of our own for classic 2D bugs Go's tests let through.

    test_vote_after_snapshot_2X     a voter whose log is empty right after a snapshot still knows its last term
    test_old_snapshot_ignored_2X    an InstallSnapshot older than what the follower holds changes nothing

Scripts over the harness (tester.raft_config, with the 2D applier that snapshots every SNAPSHOT_INTERVAL commands)
and tester.raft_faults, like lab2_tests_beyond; every test also checks tester.invariants.
"""

from __future__ import annotations

import asyncio

from tester.raft_config import RAFT_ELECTION_TIMEOUT, SNAPSHOT_INTERVAL, make_config, rand
from tester.raft_faults import keep_starting, only_links
from tester.registry import lab_test


@lab_test("2X", "Test (2X): a voter's last log term survives its snapshot")
async def test_vote_after_snapshot_2X(t):
    """Section 5.4.1 (election restriction) with section 7 (snapshots): a voter compares the candidate's last log
    term with the term of its own last entry, which, right after a snapshot that covers its whole log, is the
    snapshot's last included term, not 0. A stale peer comes back to an idle cluster whose logs were just compacted
    whole, able to reach one follower only; that follower must refuse it, or the stale peer leads and overwrites
    committed entries.

    Fair: a correct Raft never elects a peer missing committed entries (the stale peer is asked to start commands
    meanwhile, which it refuses unless it leads); the only liveness asked is Go's one() with every peer
    connected."""
    servers = 3
    cfg = await make_config(t, servers, False, True)
    cfg.begin("Test (2X): a voter's last log term survives its snapshot")

    await cfg.one(rand.int(), servers, True)
    leader = await cfg.check_one_leader()
    stale, follower = (leader + 1) % servers, (leader + 2) % servers
    cfg.disconnect(stale)
    # commit up to a snapshot boundary and stop: the two up-to-date logs are then empty after their snapshots
    while cfg.max_index < 2 * SNAPSHOT_INTERVAL - 1:
        await cfg.one(rand.int(), servers - 1, True)
    await asyncio.sleep(RAFT_ELECTION_TIMEOUT / 2)

    # the stale peer (on a high term, from standing alone) can reach the follower only; the follower still hears
    # the leader
    only_links(cfg, (leader, follower), (follower, stale))
    await keep_starting(cfg, (stale,), 2 * RAFT_ELECTION_TIMEOUT)
    for i in range(servers):
        cfg.connect(i)
    await cfg.one(rand.int(), servers, True)
    cfg.end()


@lab_test("2X", "Test (2X): an old InstallSnapshot changes nothing")
async def test_old_snapshot_ignored_2X(t):
    """Figure 13, InstallSnapshot receiver, 6.-8.: a snapshot whose last included entry the follower already holds
    leaves the follower's state and later entries alone. A lagging follower rejoins while its requests are held
    back 0-2199 ms at random, so that the leader's repeated InstallSnapshots, and its AppendEntries, arrive in any
    order; an old one arriving last must not move the follower's applied state back (tester.invariants) nor drop
    entries it acknowledged.

    Fair: Raft assumes nothing about delivery order; Go's long reordering does the same to replies. The only
    liveness asked is Go's one() with every peer connected and requests delivered in order again."""
    servers = 3
    cfg = await make_config(t, servers, False, True)
    cfg.begin("Test (2X): an old InstallSnapshot changes nothing")

    await cfg.one(rand.int(), servers, True)
    for rnd in range(2):
        leader = await cfg.check_one_leader()
        lagging = (leader + 1 + rnd) % servers
        if lagging == leader:
            lagging = (leader + 1) % servers
        cfg.disconnect(lagging)
        for _ in range(3 * SNAPSHOT_INTERVAL):
            await cfg.one(rand.int(), servers - 1, True)

        # it comes back with its requests reordered, while the others go on committing
        cfg.net.reorder_requests(lagging, True)
        cfg.connect(lagging)
        for _ in range(30):
            await cfg.one(rand.int(), servers - 1, True)
            await asyncio.sleep(0.1)
        cfg.net.reorder_requests(lagging, False)
        await asyncio.sleep(3)   # the last held requests arrive
        await cfg.one(rand.int(), servers, True)
    cfg.end()
