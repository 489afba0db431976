"""Part 2X, "beyond the Go tester": Raft tests of our own, for classic bugs that Go's tests let through.

    test_vote_survives_restart_2X              votedFor is persisted: a restarted voter never votes twice in a term
    test_stale_replies_ignored_2X              a leader drops replies of its earlier term
    test_stale_votes_ignored_2X                a candidate counts only the votes of its current election
    test_leader_again_resets_match_index_2X    matchIndex is reinitialised on every election won
    test_match_index_from_request_2X           matchIndex comes from what the request carried, not the log's length
    test_follower_commit_stops_at_new_entries_2X   a follower commits no further than the leader's entries vouch
    test_electable_among_stale_peers_2X        refused votes do not reset the election timer
    (snapshot cases: lab2_tests_beyond_snap)

They read like Go's tests, as scripts over the harness (tester.raft_config) and a few finer faults
(tester.raft_faults: links between two peers, replies held back). Each names the rule of the Raft paper it checks
and why its bound is fair. Every test, Go's and these, also checks the invariants of tester.invariants.
`raftlab test 2X` runs them; `lab2` stays Go's 2A-2D; `all` includes them.
"""

from __future__ import annotations

import asyncio

import labrpc

from tester.raft_config import RAFT_ELECTION_TIMEOUT, make_config
from tester.raft_faults import (commit_without, leader_among, only_links, restart, tail_only_on, until_committed,
                                watch)
from tester.registry import lab_test


@lab_test("2X", "Test (2X): a restarted voter does not vote twice in a term")
async def test_vote_survives_restart_2X(t):
    """Figure 2, persistent state: votedFor is on stable storage before the vote is answered. A voter that crashes
    right after voting comes back in the same term; a second candidate of that term must not get its vote, or the
    term has two leaders (Election Safety, checked by tester.invariants over every get_state).

    Go's 2C tests restart voters too, but a second candidate of the same term reaches a restarted voter about once
    in 200 runs, and never caught the bug in 1,300 (tests/test_mutants.py). Here it does every round: the voter
    keeps hearing its leader (so it never times out itself) and the third peer, which restarts one term behind, can
    reach only the voter.
    Fair: a correct Raft keeps Election Safety under any schedule; the only liveness asked is one election between
    two connected peers within 5 s, the lab's bound."""
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): a restarted voter does not vote twice in a term")

    for rnd in range(servers):
        # everyone on one term, then everyone down: each restarts at that term
        await cfg.check_one_leader()
        await asyncio.sleep(RAFT_ELECTION_TIMEOUT / 2)
        cfg.check_terms()
        a, b, c = rnd, (rnd + 1) % servers, (rnd + 2) % servers
        restart(cfg, a, b)
        cfg.crash1(c)
        only_links(cfg, (a, b))
        leader, _ = await leader_among(cfg, (a, b), 5 * RAFT_ELECTION_TIMEOUT)
        voter = b if leader == a else a

        # the voter crashes right after voting and comes back in that term; c comes back one term behind, so its
        # first election is for the leader's term, and it can ask only the voter
        restart(cfg, voter)
        cfg.start1(c, cfg.applier)
        only_links(cfg, (leader, voter), (voter, c))
        await watch(cfg, (leader, voter, c), 3 * RAFT_ELECTION_TIMEOUT)

        for i in range(servers):
            cfg.connect(i)

    await cfg.one(101, servers, True)
    cfg.end()


@lab_test("2X", "Test (2X): a leader ignores replies of its earlier term")
async def test_stale_replies_ignored_2X(t):
    """Figure 2 and section 5.1: a reply counts only in the term its request was sent in ("term confusion"). A
    follower's acknowledgement of the leader's tail is held back (HOLD seconds) while that tail is replaced and the
    leader is elected again; counted in the new term, it commits an entry with two of five peers connected. (The
    candidate's side: test_stale_votes_ignored_2X.)

    Go's TestFigure8Unreliable2C holds replies back too, but at random; it caught term confusion in 3 runs of 400.
    Fair: with two of five peers connected nothing may commit in any correct Raft, whatever the delays (Go's
    TestFailNoAgree2B asks the same); the elections asked for have three of five peers and 5 s."""
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): a leader ignores replies of its earlier term")

    await cfg.one(101, servers, False)
    old = await cfg.check_one_leader()
    acker = (old + 1) % servers
    others = [(old + k) % servers for k in (2, 3, 4)]

    # acker acknowledges a tail that nobody else gets; its reply arrives HOLD seconds later
    cfg.net.hold_replies(acker, HOLD)
    held_until = labrpc.now() + HOLD
    await tail_only_on(cfg, old, acker, 5, wait=0.1)
    cfg.crash1(acker)
    cfg.net.hold_replies(acker, 0)

    # the tail is replaced, and the old leader is elected again
    await _tail_replaced_and_old_reelected(cfg, old, acker, others)
    if labrpc.now() > held_until - 1:
        t.fatalf(f"harness: the re-election took too long ({labrpc.now():.1f} s): raise HOLD")

    # with one follower, nothing may commit, before or after the held reply arrives
    index, follower = _start_with_one_follower(cfg, old, others)
    await asyncio.sleep(held_until + RAFT_ELECTION_TIMEOUT - labrpc.now())
    n, _ = cfg.n_committed(index)
    if n > 0:
        t.fatalf(f"{n} committed but no majority (S{old}, leader again, with S{follower} only; S{acker}'s reply to "
                 f"S{old}'s AppendEntries of an earlier term arrived at {held_until:.1f} s)")

    for i in range(servers):
        if cfg.rafts[i] is None:
            cfg.start1(i, cfg.applier)
        cfg.connect(i)
    await cfg.one(500, servers, True)
    cfg.end()


HOLD = 10.0   # seconds: longer than the re-election in test_stale_replies_ignored_2X takes (checked there)


@lab_test("2X", "Test (2X): a candidate counts only votes of its term")
async def test_stale_votes_ignored_2X(t):
    """Figure 2, candidates: "if votes received from a majority of servers: become leader", votes of the current
    election. One peer of five can reach two others, whose replies are held back VOTE_HOLD seconds, longer than an
    election timeout; then it is cut off from everyone while the held grants still arrive. From then on no vote of a
    later term than its own at the cut can reach it, so it must not lead any such term; counting grants of earlier
    elections (in a counter, or in an earlier election's tally) makes it leader of one.

    Go's tests hold replies back only at random (TestFigure8Unreliable2C caught this in 3 runs of 400). Fair: a
    correct Raft never leads a term in which no vote reached it, whatever the delays; the only liveness asked is
    Go's one() with every peer connected."""
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): a candidate counts only votes of its term")

    await cfg.one(101, servers, False)
    for rnd in range(servers):
        x, voters = rnd, ((rnd + 1) % servers, (rnd + 2) % servers)
        restart(cfg, *range(servers))   # followers, with no votes in flight
        for i in range(servers):
            if i != x and i not in voters:
                cfg.crash1(i)
        only_links(cfg, *((x, v) for v in voters))
        for v in voters:
            cfg.net.hold_replies(v, VOTE_HOLD)
        await watch(cfg, (x, *voters), 2 * RAFT_ELECTION_TIMEOUT)

        # cut off: the grants still held back arrive, for terms up to cut_term
        cut_term, _ = cfg.rafts[x].get_state()
        cut_at = labrpc.now()
        only_links(cfg)
        while labrpc.now() < cut_at + VOTE_HOLD + RAFT_ELECTION_TIMEOUT:
            term, leads = cfg.rafts[x].get_state()
            if leads and term > cut_term:
                t.fatalf(f"S{x} says it leads term {term} at {labrpc.now():.3f} s, but it has reached no other peer "
                         f"since {cut_at:.3f} s, when its term was {cut_term}: no vote of term {term} can have "
                         f"reached it (a candidate counts only replies to its current election's requests; "
                         f"replies were held back {VOTE_HOLD:g} s)")
            await asyncio.sleep(0.01)

        for v in voters:
            cfg.net.hold_replies(v, 0)
        for i in range(servers):
            if cfg.rafts[i] is None:
                cfg.start1(i, cfg.applier)
            cfg.connect(i)
        await cfg.one(200 + rnd, servers, True)
    cfg.end()


VOTE_HOLD = 1.5   # seconds: longer than the reference's election timeouts (0.4-0.8 s), so grants arrive a term late


@lab_test("2X", "Test (2X): a leader elected again starts from zero matchIndex")
async def test_leader_again_resets_match_index_2X(t):
    """Figure 2, volatile state on leaders, "reinitialized after election": matchIndex[i] starts at 0 on every
    election won. A leader appends a tail that one follower acknowledges; the others replace that tail; the old
    leader learns the new entries and is elected again while that follower stays away. A matchIndex kept from the
    first term counts the absent follower, and an entry commits with two peers of five connected.

    Fair: with two of five peers connected nothing may commit in any correct Raft (Go's TestFailNoAgree2B asks the
    same); every election asked for has three connected peers and 5 s, the lab's bound."""
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): a leader elected again starts from zero matchIndex")

    await cfg.one(101, servers, False)
    old = await cfg.check_one_leader()
    acker = (old + 1) % servers
    others = [(old + k) % servers for k in (2, 3, 4)]

    # a tail that only acker acknowledges; the others replace it, and the old leader is elected again
    await tail_only_on(cfg, old, acker, 10)
    await _tail_replaced_and_old_reelected(cfg, old, acker, others)

    # elected again, with one follower: nothing may commit
    index, follower = _start_with_one_follower(cfg, old, others)
    await asyncio.sleep(2 * RAFT_ELECTION_TIMEOUT)
    n, _ = cfg.n_committed(index)
    if n > 0:
        t.fatalf(f"{n} committed but no majority (S{old}, leader again, with S{follower} only; S{acker}, which "
                 f"acknowledged S{old}'s tail of an earlier term, is away)")

    for i in range(servers):
        cfg.connect(i)
    await cfg.one(500, servers, True)
    cfg.end()


async def _tail_replaced_and_old_reelected(cfg, old: int, acker: int, others: list[int]) -> None:
    """The others commit two entries over the tail that old appended and only acker holds (both away); then old
    comes back, learns them, and is elected again (_elect_again)."""
    index = await commit_without(cfg, (old, acker), (301, 302))
    cfg.connect(old)
    await cfg.wait(index, 4, -1)
    await _elect_again(cfg, old, others)


def _start_with_one_follower(cfg, old: int, others: list[int]) -> tuple[int, int]:
    """Leave old, a leader again, with one follower of others, and start a command on it: (its index, the
    follower). With two of five connected, it must not commit."""
    follower = next(i for i in others if cfg.connected[i])
    for i in others:
        if i != follower:
            cfg.disconnect(i)
    index, _, ok = cfg.rafts[old].start(400)
    if not ok:
        cfg.t.fatalf("leader rejected Start()")
    return index, follower


async def _elect_again(cfg, old: int, others: list[int]) -> None:
    """Make `old` leader again among itself and `others` (all connected, holding the same log): while another
    leads, it gives `old` alone one more entry and leaves, so that `old` is the only electable peer of the three
    left (unless the leader lost its term before the entry reached `old`: then the next attempt)."""
    leader = await cfg.check_one_leader()
    for _ in range(5):
        if leader == old:
            return
        rest = [i for i in others if i != leader]
        for i in rest:
            cfg.disconnect(i)
        cfg.rafts[leader].start(303)
        await asyncio.sleep(RAFT_ELECTION_TIMEOUT / 2)
        cfg.disconnect(leader)
        for i in rest:
            cfg.connect(i)
        leader = await cfg.check_one_leader()
        cfg.connect(next(i for i in others if not cfg.connected[i]))
    cfg.t.fatalf(f"S{old} was given the most up-to-date log of the connected peers five times, but never elected")


@lab_test("2X", "Test (2X): matchIndex comes from the request acknowledged")
async def test_match_index_from_request_2X(t):
    """Figure 2, rules for leaders: on success, update matchIndex for the follower to the last entry the
    acknowledged request carried. A follower that comes back acknowledges a request that carried fewer entries than
    the leader now has (a heartbeat, or entries sent before more start()s); counting it for the leader's whole log
    commits entries it does not hold. The test cuts the committing side off the moment anything commits: the three
    others must then keep every committed entry.

    Fair: in a correct Raft an entry commits only once a majority holds it, and the cut keeps a majority connected,
    so the new leader holds it (Leader Completeness); the elections asked for have 3 of 5 peers and 5 s."""
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): matchIndex comes from the request acknowledged")

    await cfg.one(101, servers, False)
    for rnd in range(2):
        leader = await cfg.check_one_leader()
        a, b, c, d = ((leader + k) % servers for k in (1, 2, 3, 4))
        # b, c, d go down (so they come back on the leader's term); the leader gives up on reaching them
        for i in (b, c, d):
            cfg.crash1(i)
        first, _, _ = cfg.rafts[leader].start(200 + 10 * rnd)
        for k in range(1, 5):
            cfg.rafts[leader].start(200 + 10 * rnd + k)
        await asyncio.sleep(3 * RAFT_ELECTION_TIMEOUT)

        # b comes back while more starts are issued; the first commit needs b's acknowledgement
        cfg.start1(b, cfg.applier)
        cfg.connect(b)
        starter = t.go(_start_every(cfg, leader, 300 + 10 * rnd, 5, 0.007))
        committed = await until_committed(cfg, first, 2 * RAFT_ELECTION_TIMEOUT)
        cfg.disconnect(leader)
        cfg.disconnect(a)
        starter.cancel()
        for i in (c, d):
            cfg.start1(i, cfg.applier)
            cfg.connect(i)
        await cfg.one(400 + rnd, 3, True)
        cfg.connect(leader)
        cfg.connect(a)
        if committed:
            await cfg.one(410 + rnd, servers, True)
    cfg.end()


async def _start_every(cfg, leader: int, first_cmd: int, count: int, gap: float) -> None:
    for k in range(count):
        if cfg.rafts[leader] is not None and cfg.connected[leader]:
            cfg.rafts[leader].start(first_cmd + k)
        await asyncio.sleep(gap)


@lab_test("2X", "Test (2X): a follower commits only what the leader vouches for")
async def test_follower_commit_stops_at_new_entries_2X(t):
    """Figure 2, AppendEntries receiver rule 5: commitIndex = min(leaderCommit, index of last new entry). A follower
    whose log matches the leader's up to prevLogIndex but goes on with a stale tail of an old term must not commit
    that tail because the leader's commit index is higher: the request vouched only for the entries up to
    prevLogIndex + len(entries) (none, in a heartbeat).

    Go's tests catch committing past the last new entry in about 4 runs of 10 of a few tests; here the stale tail
    and the leader's higher commit index are arranged every run (Figure 7's followers (c) and (d)). Fair: a correct
    Raft commits nothing it was not told; the elections asked for have 3 of 5 peers and 5 s."""
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): a follower commits only what the leader vouches for")

    for cmd in (101, 102, 103):
        await cfg.one(cmd, servers, False)
    old = await cfg.check_one_leader()
    stale = (old + 1) % servers

    # a tail of the old term that only `stale` holds; then it goes down, keeping its term and its tail
    await tail_only_on(cfg, old, stale, 5)
    cfg.crash1(stale)

    # the others commit three entries at those indices, and give up on reaching `stale`; it comes back, idle
    await commit_without(cfg, (old, stale), (301, 302, 303))
    await asyncio.sleep(3 * RAFT_ELECTION_TIMEOUT)
    cfg.start1(stale, cfg.applier)
    cfg.connect(stale)
    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
    await cfg.one(304, 4, True)

    cfg.connect(old)
    await cfg.one(305, servers, True)
    cfg.end()


@lab_test("2X", "Test (2X): refused votes do not delay an election")
async def test_electable_among_stale_peers_2X(t):
    """Figure 2, rules for followers: the election timer is reset on AppendEntries from the current leader and on
    granting a vote, not on every RequestVote. Of nine peers, the only one that can win (it holds the committed
    entries) comes back among four stale peers that keep standing and are refused; if each refusal reset its timer,
    it would rarely stand itself. (Four stale candidates ask often enough that an election timeout rarely runs out
    between two requests: with two, as in a five-peer test, such a peer still wins about 29 runs in 30.)

    Fair: the bound is Go's check_one_leader (10 rounds of 450-549 ms), the lab's "a new leader within five
    seconds", with a majority connected."""
    servers = 9
    n_stale = servers // 2
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2X): refused votes do not delay an election")

    await cfg.one(101, servers, False)
    for rnd in range(2):
        electable = await cfg.check_one_leader()
        stale = [(electable + k) % servers for k in range(1, n_stale + 1)]
        holders = [i for i in range(servers) if i != electable and i not in stale]
        for i in stale:
            cfg.crash1(i)
        await cfg.one(200 + rnd, servers - n_stale, True)   # committed on the electable peer and the holders

        # the stale peers come back first, each able to reach the electable peer only, and stand again and again
        for i in holders + [electable]:
            cfg.crash1(i)
        for i in stale:
            cfg.start1(i, cfg.applier)
        only_links(cfg, *((electable, i) for i in stale))
        await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
        cfg.start1(electable, cfg.applier)
        only_links(cfg, *((electable, i) for i in stale))
        if await cfg.check_one_leader() != electable:
            t.fatalf(f"only S{electable} holds the committed entries among the connected, but another was elected")
        for i in holders:
            cfg.start1(i, cfg.applier)
        for i in range(servers):
            cfg.connect(i)
    await cfg.one(300, servers, True)
    cfg.end()

