"""Lab 2 (Raft) tests, parts 2A and 2B: Go's raft/test_test.go (2023), test for test, bound for bound.

    test_initial_election_2A ... test_count_2B    one `async def` per Go test, in Go's order (2C, 2D: lab2_tests_cd)

Run them with `raftlab test 2A` (see tester.cli), or with pytest through the raftlab plugin (tester.pytest_plugin):
    python -m pytest --pyargs tester -m 2A [--seed N] [--impl DIR] [--clock real]
Time is virtual: every sleep below is simulated, and the run is replayed exactly from its seed.
"""

from __future__ import annotations

import asyncio

from tester.raft_config import RAFT_ELECTION_TIMEOUT, make_config, rand, randstring
from tester.registry import lab_test


@lab_test("2A", "Test (2A): initial election")
async def test_initial_election_2A(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2A): initial election")

    # is a leader elected?
    await cfg.check_one_leader()

    # sleep a bit to avoid racing with followers learning of the election, then check that all peers agree on
    # the term.
    await asyncio.sleep(0.050)
    term1 = cfg.check_terms()
    if term1 < 1:
        t.fatalf(f"term is {term1}, but should be at least 1")

    # does the leader+term stay the same if there is no network failure?
    await asyncio.sleep(2 * RAFT_ELECTION_TIMEOUT)
    term2 = cfg.check_terms()
    if term1 != term2:
        t.print("warning: term changed even though there were no failures", "warning")

    # there should still be a leader.
    await cfg.check_one_leader()
    cfg.end()


@lab_test("2A", "Test (2A): election after network failure")
async def test_re_election_2A(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2A): election after network failure")

    leader1 = await cfg.check_one_leader()

    # if the leader disconnects, a new one should be elected.
    cfg.disconnect(leader1)
    await cfg.check_one_leader()

    # if the old leader rejoins, that shouldn't disturb the new leader. and the old leader should switch to
    # follower.
    cfg.connect(leader1)
    leader2 = await cfg.check_one_leader()

    # if there's no quorum, no new leader should be elected.
    cfg.disconnect(leader2)
    cfg.disconnect((leader2 + 1) % servers)
    await asyncio.sleep(2 * RAFT_ELECTION_TIMEOUT)

    # check that the one connected server does not think it is the leader.
    cfg.check_no_leader()

    # if a quorum arises, it should elect a leader.
    cfg.connect((leader2 + 1) % servers)
    await cfg.check_one_leader()

    # re-join of last node shouldn't prevent leader from existing.
    cfg.connect(leader2)
    await cfg.check_one_leader()
    cfg.end()


@lab_test("2A", "Test (2A): multiple elections")
async def test_many_elections_2A(t):
    servers = 7
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2A): multiple elections")

    await cfg.check_one_leader()

    iters = 10
    for ii in range(1, iters):
        # disconnect three nodes
        i1 = rand.int() % servers
        i2 = rand.int() % servers
        i3 = rand.int() % servers
        cfg.disconnect(i1)
        cfg.disconnect(i2)
        cfg.disconnect(i3)

        # either the current leader should still be alive, or the remaining four should elect a new one.
        await cfg.check_one_leader()

        cfg.connect(i1)
        cfg.connect(i2)
        cfg.connect(i3)

    await cfg.check_one_leader()
    cfg.end()


@lab_test("2B", "Test (2B): basic agreement")
async def test_basic_agree_2B(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): basic agreement")

    iters = 3
    for index in range(1, iters + 1):
        nd, _ = cfg.n_committed(index)
        if nd > 0:
            t.fatalf("some have committed before Start()")

        xindex = await cfg.one(index * 100, servers, False)
        if xindex != index:
            t.fatalf(f"got index {xindex} but expected {index}")
    cfg.end()


@lab_test("2B", "Test (2B): RPC byte count", name="TestRPCBytes2B")
async def test_rpc_bytes_2B(t):
    """Check, based on counting bytes of RPCs, that each command is sent to each peer just once."""
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): RPC byte count")

    await cfg.one(99, servers, False)
    bytes0 = cfg.bytes_total()

    iters = 10
    sent = 0
    for index in range(2, iters + 2):
        cmd = randstring(5000)
        xindex = await cfg.one(cmd, servers, False)
        if xindex != index:
            t.fatalf(f"got index {xindex} but expected {index}")
        sent += len(cmd)

    bytes1 = cfg.bytes_total()
    got = bytes1 - bytes0
    expected = servers * sent
    if got > expected + 50000:
        t.fatalf(f"too many RPC bytes; got {got}, expected {expected}")
    cfg.end()


@lab_test("2B", "Test (2B): test progressive failure of followers")
async def test_follower_failure_2B(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): test progressive failure of followers")

    await cfg.one(101, servers, False)

    # disconnect one follower from the network.
    leader1 = await cfg.check_one_leader()
    cfg.disconnect((leader1 + 1) % servers)

    # the leader and remaining follower should be able to agree despite the disconnected follower.
    await cfg.one(102, servers - 1, False)
    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
    await cfg.one(103, servers - 1, False)

    # disconnect the remaining follower
    leader2 = await cfg.check_one_leader()
    cfg.disconnect((leader2 + 1) % servers)
    cfg.disconnect((leader2 + 2) % servers)

    # submit a command.
    index, _, ok = cfg.rafts[leader2].start(104)
    if not ok:
        t.fatalf("leader rejected Start()")
    if index != 4:
        t.fatalf(f"expected index 4, got {index}")

    await asyncio.sleep(2 * RAFT_ELECTION_TIMEOUT)

    # check that command 104 did not commit.
    n, _ = cfg.n_committed(index)
    if n > 0:
        t.fatalf(f"{n} committed but no majority")
    cfg.end()


@lab_test("2B", "Test (2B): test failure of leaders")
async def test_leader_failure_2B(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): test failure of leaders")

    await cfg.one(101, servers, False)

    # disconnect the first leader.
    leader1 = await cfg.check_one_leader()
    cfg.disconnect(leader1)

    # the remaining followers should elect a new leader.
    await cfg.one(102, servers - 1, False)
    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
    await cfg.one(103, servers - 1, False)

    # disconnect the new leader.
    leader2 = await cfg.check_one_leader()
    cfg.disconnect(leader2)

    # submit a command to each server.
    for i in range(servers):
        cfg.rafts[i].start(104)

    await asyncio.sleep(2 * RAFT_ELECTION_TIMEOUT)

    # check that command 104 did not commit.
    n, _ = cfg.n_committed(4)
    if n > 0:
        t.fatalf(f"{n} committed but no majority")
    cfg.end()


@lab_test("2B", "Test (2B): agreement after follower reconnects")
async def test_fail_agree_2B(t):
    """Test just failure of followers."""
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): agreement after follower reconnects")

    await cfg.one(101, servers, False)

    # disconnect one follower from the network.
    leader = await cfg.check_one_leader()
    cfg.disconnect((leader + 1) % servers)

    # the leader and remaining follower should be able to agree despite the disconnected follower.
    await cfg.one(102, servers - 1, False)
    await cfg.one(103, servers - 1, False)
    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
    await cfg.one(104, servers - 1, False)
    await cfg.one(105, servers - 1, False)

    # re-connect
    cfg.connect((leader + 1) % servers)

    # the full set of servers should preserve previous agreements, and be able to agree on new commands.
    await cfg.one(106, servers, True)
    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
    await cfg.one(107, servers, True)
    cfg.end()


@lab_test("2B", "Test (2B): no agreement if too many followers disconnect")
async def test_fail_no_agree_2B(t):
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): no agreement if too many followers disconnect")

    await cfg.one(10, servers, False)

    # 3 of 5 followers disconnect
    leader = await cfg.check_one_leader()
    cfg.disconnect((leader + 1) % servers)
    cfg.disconnect((leader + 2) % servers)
    cfg.disconnect((leader + 3) % servers)

    index, _, ok = cfg.rafts[leader].start(20)
    if not ok:
        t.fatalf("leader rejected Start()")
    if index != 2:
        t.fatalf(f"expected index 2, got {index}")

    await asyncio.sleep(2 * RAFT_ELECTION_TIMEOUT)

    n, _ = cfg.n_committed(index)
    if n > 0:
        t.fatalf(f"{n} committed but no majority")

    # repair
    cfg.connect((leader + 1) % servers)
    cfg.connect((leader + 2) % servers)
    cfg.connect((leader + 3) % servers)

    # the disconnected majority may have chosen a leader from among their own ranks, forgetting index 2.
    leader2 = await cfg.check_one_leader()
    index2, _, ok2 = cfg.rafts[leader2].start(30)
    if not ok2:
        t.fatalf("leader2 rejected Start()")
    if index2 < 2 or index2 > 3:
        t.fatalf(f"unexpected index {index2}")

    await cfg.one(1000, servers, True)
    cfg.end()


@lab_test("2B", "Test (2B): concurrent Start()s")
async def test_concurrent_starts_2B(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): concurrent Start()s")

    success = False
    for attempt in range(5):   # Go: loop: for try := 0; try < 5; try++
        if attempt > 0:
            # give solution some time to settle
            await asyncio.sleep(3)

        leader = await cfg.check_one_leader()
        _, term, ok = cfg.rafts[leader].start(1)
        if not ok:
            # leader moved on really quickly
            continue

        iters = 5
        is_ = []

        async def start_one(i):
            index, term1, ok = cfg.rafts[leader].start(100 + i)
            if term1 != term:
                return
            if not ok:
                return
            is_.append(index)

        await t.wait_all([t.go(start_one(ii)) for ii in range(iters)])

        if any(cfg.rafts[j].get_state()[0] != term for j in range(servers)):
            # term changed -- can't expect low RPC counts
            continue

        failed = False
        cmds = []
        for index in is_:
            cmd = await cfg.wait(index, servers, term)
            if type(cmd) is int:
                if cmd == -1:
                    # peers have moved on to later terms so we can't expect all Start()s to have succeeded
                    failed = True
                    break
                cmds.append(cmd)
            else:
                t.fatalf(f"value {cmd!r} is not an int")

        if failed:
            continue

        for ii in range(iters):
            x = 100 + ii
            if x not in cmds:
                t.fatalf(f"cmd {x} missing in {cmds}")

        success = True
        break

    if not success:
        t.fatalf("term changed too often")
    cfg.end()


@lab_test("2B", "Test (2B): rejoin of partitioned leader")
async def test_rejoin_2B(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): rejoin of partitioned leader")

    await cfg.one(101, servers, True)

    # leader network failure
    leader1 = await cfg.check_one_leader()
    cfg.disconnect(leader1)

    # make old leader try to agree on some entries
    cfg.rafts[leader1].start(102)
    cfg.rafts[leader1].start(103)
    cfg.rafts[leader1].start(104)

    # new leader commits, also for index=2
    await cfg.one(103, 2, True)

    # new leader network failure
    leader2 = await cfg.check_one_leader()
    cfg.disconnect(leader2)

    # old leader connected again
    cfg.connect(leader1)

    await cfg.one(104, 2, True)

    # all together now
    cfg.connect(leader2)

    await cfg.one(105, servers, True)
    cfg.end()


@lab_test("2B", "Test (2B): leader backs up quickly over incorrect follower logs")
async def test_backup_2B(t):
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): leader backs up quickly over incorrect follower logs")

    await cfg.one(rand.int(), servers, True)

    # put leader and one follower in a partition
    leader1 = await cfg.check_one_leader()
    cfg.disconnect((leader1 + 2) % servers)
    cfg.disconnect((leader1 + 3) % servers)
    cfg.disconnect((leader1 + 4) % servers)

    # submit lots of commands that won't commit
    for _ in range(50):
        cfg.rafts[leader1].start(rand.int())

    await asyncio.sleep(RAFT_ELECTION_TIMEOUT / 2)

    cfg.disconnect((leader1 + 0) % servers)
    cfg.disconnect((leader1 + 1) % servers)

    # allow other partition to recover
    cfg.connect((leader1 + 2) % servers)
    cfg.connect((leader1 + 3) % servers)
    cfg.connect((leader1 + 4) % servers)

    # lots of successful commands to new group.
    for _ in range(50):
        await cfg.one(rand.int(), 3, True)

    # now another partitioned leader and one follower
    leader2 = await cfg.check_one_leader()
    other = (leader1 + 2) % servers
    if leader2 == other:
        other = (leader2 + 1) % servers
    cfg.disconnect(other)

    # lots more commands that won't commit
    for _ in range(50):
        cfg.rafts[leader2].start(rand.int())

    await asyncio.sleep(RAFT_ELECTION_TIMEOUT / 2)

    # bring original leader back to life,
    for i in range(servers):
        cfg.disconnect(i)
    cfg.connect((leader1 + 0) % servers)
    cfg.connect((leader1 + 1) % servers)
    cfg.connect(other)

    # lots of successful commands to new group.
    for _ in range(50):
        await cfg.one(rand.int(), 3, True)

    # now everyone
    for i in range(servers):
        cfg.connect(i)
    await cfg.one(rand.int(), servers, True)
    cfg.end()


@lab_test("2B", "Test (2B): RPC counts aren't too high")
async def test_count_2B(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2B): RPC counts aren't too high")

    def rpcs():
        return sum(cfg.rpc_count(j) for j in range(servers))

    leader = await cfg.check_one_leader()

    total1 = rpcs()
    if total1 > 30 or total1 < 1:
        t.fatalf(f"too many or few RPCs ({total1}) to elect initial leader")

    total2 = 0
    success = False
    for attempt in range(5):   # Go: loop: for try := 0; try < 5; try++
        if attempt > 0:
            # give solution some time to settle
            await asyncio.sleep(3)

        leader = await cfg.check_one_leader()
        total1 = rpcs()

        iters = 10
        starti, term, ok = cfg.rafts[leader].start(1)
        if not ok:
            # leader moved on really quickly
            continue
        cmds = []
        term_changed = False
        for i in range(1, iters + 2):
            x = rand.int31()
            cmds.append(x)
            index1, term1, ok = cfg.rafts[leader].start(x)
            if term1 != term or not ok:
                # term changed while starting, or no longer the leader
                term_changed = True
                break
            if starti + i != index1:
                t.fatalf("Start() failed")
        if term_changed:
            continue

        for i in range(1, iters + 1):
            cmd = await cfg.wait(starti + i, servers, term)
            if type(cmd) is not int or cmd != cmds[i - 1]:
                if type(cmd) is int and cmd == -1:
                    # term changed -- try again
                    term_changed = True
                    break
                t.fatalf(f"wrong value {cmd!r} committed for index {starti + i}; expected {cmds}")
        if term_changed:
            continue

        failed = False
        total2 = 0
        for j in range(servers):
            xterm, _ = cfg.rafts[j].get_state()
            if xterm != term:
                # term changed -- can't expect low RPC counts; need to keep going to update total2
                failed = True
            total2 += cfg.rpc_count(j)

        if failed:
            continue

        if total2 - total1 > (iters + 1 + 3) * 3:
            t.fatalf(f"too many RPCs ({total2 - total1}) for {iters} entries")

        success = True
        break

    if not success:
        t.fatalf("term changed too often")

    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)

    total3 = 0
    for j in range(servers):
        total3 += cfg.rpc_count(j)

    if total3 - total2 > 3 * 20:
        t.fatalf(f"too many RPCs ({total3 - total2}) for 1 second of idleness")
    cfg.end()
