"""Lab 2 (Raft) tests, parts 2C and 2D: Go's raft/test_test.go (2023), test for test, bound for bound.

    test_persist1_2C ... test_snapshot_init_2D    one `async def` per Go test, in Go's order (2A, 2B: lab2_tests)
    snapcommon(t, name, disconnect, reliable, crash)   the body shared by five 2D tests
    MAX_LOG_SIZE = 2000                                the 2D bound on the persisted raft state, in bytes

Run them with `raftlab test 2C 2D`, or `python -m pytest --pyargs tester -m 2D` (see tester.pytest_plugin).
"""

from __future__ import annotations

import asyncio

from tester.raft_config import RAFT_ELECTION_TIMEOUT, SNAPSHOT_INTERVAL, make_config, rand
from tester.registry import lab_test

MAX_LOG_SIZE = 2000


@lab_test("2C", "Test (2C): basic persistence")
async def test_persist1_2C(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2C): basic persistence")

    await cfg.one(11, servers, True)

    # crash and re-start all
    for i in range(servers):
        cfg.start1(i, cfg.applier)
    for i in range(servers):
        cfg.disconnect(i)
        cfg.connect(i)

    await cfg.one(12, servers, True)

    leader1 = await cfg.check_one_leader()
    cfg.disconnect(leader1)
    cfg.start1(leader1, cfg.applier)
    cfg.connect(leader1)

    await cfg.one(13, servers, True)

    leader2 = await cfg.check_one_leader()
    cfg.disconnect(leader2)
    await cfg.one(14, servers - 1, True)
    cfg.start1(leader2, cfg.applier)
    cfg.connect(leader2)

    await cfg.wait(4, servers, -1)   # wait for leader2 to join before killing i3

    i3 = (await cfg.check_one_leader() + 1) % servers
    cfg.disconnect(i3)
    await cfg.one(15, servers - 1, True)
    cfg.start1(i3, cfg.applier)
    cfg.connect(i3)

    await cfg.one(16, servers, True)
    cfg.end()


@lab_test("2C", "Test (2C): more persistence")
async def test_persist2_2C(t):
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2C): more persistence")

    index = 1
    for _ in range(5):
        await cfg.one(10 + index, servers, True)
        index += 1

        leader1 = await cfg.check_one_leader()

        cfg.disconnect((leader1 + 1) % servers)
        cfg.disconnect((leader1 + 2) % servers)

        await cfg.one(10 + index, servers - 2, True)
        index += 1

        cfg.disconnect((leader1 + 0) % servers)
        cfg.disconnect((leader1 + 3) % servers)
        cfg.disconnect((leader1 + 4) % servers)

        cfg.start1((leader1 + 1) % servers, cfg.applier)
        cfg.start1((leader1 + 2) % servers, cfg.applier)
        cfg.connect((leader1 + 1) % servers)
        cfg.connect((leader1 + 2) % servers)

        await asyncio.sleep(RAFT_ELECTION_TIMEOUT)

        cfg.start1((leader1 + 3) % servers, cfg.applier)
        cfg.connect((leader1 + 3) % servers)

        await cfg.one(10 + index, servers - 2, True)
        index += 1

        cfg.connect((leader1 + 4) % servers)
        cfg.connect((leader1 + 0) % servers)

    await cfg.one(1000, servers, True)
    cfg.end()


@lab_test("2C", "Test (2C): partitioned leader and one follower crash, leader restarts")
async def test_persist3_2C(t):
    servers = 3
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2C): partitioned leader and one follower crash, leader restarts")

    await cfg.one(101, 3, True)

    leader = await cfg.check_one_leader()
    cfg.disconnect((leader + 2) % servers)

    await cfg.one(102, 2, True)

    cfg.crash1((leader + 0) % servers)
    cfg.crash1((leader + 1) % servers)
    cfg.connect((leader + 2) % servers)
    cfg.start1((leader + 0) % servers, cfg.applier)
    cfg.connect((leader + 0) % servers)

    await cfg.one(103, 2, True)

    cfg.start1((leader + 1) % servers, cfg.applier)
    cfg.connect((leader + 1) % servers)

    await cfg.one(104, servers, True)
    cfg.end()


@lab_test("2C", "Test (2C): Figure 8")
async def test_figure8_2C(t):
    """Test the scenarios described in Figure 8 of the extended Raft paper. Each iteration asks a leader, if there
    is one, to insert a command in the Raft log. If there is a leader, that leader will fail quickly with a high
    probability (perhaps without committing the command), or crash after a while with low probability (most
    likely committing the command). If the number of alive servers isn't enough to form a majority, perhaps
    start a new server. The leader in a new term may try to finish replicating log entries that haven't been
    committed yet."""
    servers = 5
    cfg = await make_config(t, servers, False, False)
    cfg.begin("Test (2C): Figure 8")

    await cfg.one(rand.int(), 1, True)

    nup = servers
    for _ in range(1000):
        leader = -1
        for i in range(servers):
            if cfg.rafts[i] is not None:
                _, _, ok = cfg.rafts[i].start(rand.int())
                if ok:
                    leader = i

        if rand.int() % 1000 < 100:
            ms = rand.int63() % int(RAFT_ELECTION_TIMEOUT * 1000 / 2)
            await asyncio.sleep(ms / 1000)
        else:
            ms = rand.int63() % 13
            await asyncio.sleep(ms / 1000)

        if leader != -1:
            cfg.crash1(leader)
            nup -= 1

        if nup < 3:
            s = rand.int() % servers
            if cfg.rafts[s] is None:
                cfg.start1(s, cfg.applier)
                cfg.connect(s)
                nup += 1

    for i in range(servers):
        if cfg.rafts[i] is None:
            cfg.start1(i, cfg.applier)
            cfg.connect(i)

    await cfg.one(rand.int(), servers, True)
    cfg.end()


@lab_test("2C", "Test (2C): unreliable agreement")
async def test_unreliable_agree_2C(t):
    servers = 5
    cfg = await make_config(t, servers, True, False)
    cfg.begin("Test (2C): unreliable agreement")

    wg = []
    for iters in range(1, 50):
        for j in range(4):
            wg.append(t.go(cfg.one((100 * iters) + j, 1, True)))
        await cfg.one(iters, 1, True)

    cfg.set_unreliable(False)

    await t.wait_all(wg)

    await cfg.one(100, servers, True)
    cfg.end()


@lab_test("2C", "Test (2C): Figure 8 (unreliable)")
async def test_figure8_unreliable_2C(t):
    servers = 5
    cfg = await make_config(t, servers, True, False)
    cfg.begin("Test (2C): Figure 8 (unreliable)")

    await cfg.one(rand.int() % 10000, 1, True)

    nup = servers
    for iters in range(1000):
        if iters == 200:
            cfg.set_long_reordering(True)
        leader = -1
        for i in range(servers):
            _, _, ok = cfg.rafts[i].start(rand.int() % 10000)
            if ok and cfg.connected[i]:
                leader = i

        if rand.int() % 1000 < 100:
            ms = rand.int63() % int(RAFT_ELECTION_TIMEOUT * 1000 / 2)
            await asyncio.sleep(ms / 1000)
        else:
            ms = rand.int63() % 13
            await asyncio.sleep(ms / 1000)

        if leader != -1 and rand.int() % 1000 < int(RAFT_ELECTION_TIMEOUT * 1000) // 2:
            cfg.disconnect(leader)
            nup -= 1

        if nup < 3:
            s = rand.int() % servers
            if not cfg.connected[s]:
                cfg.connect(s)
                nup += 1

    for i in range(servers):
        if not cfg.connected[i]:
            cfg.connect(i)

    await cfg.one(rand.int() % 10000, servers, True)
    cfg.end()


async def internal_churn(t, unreliable: bool):
    servers = 5
    cfg = await make_config(t, servers, unreliable, False)
    if unreliable:
        cfg.begin("Test (2C): unreliable churn")
    else:
        cfg.begin("Test (2C): churn")

    stop = False

    # create concurrent clients
    async def cfn(me):
        values = []
        while not stop:
            x = rand.int()
            index = -1
            ok = False
            for i in range(servers):
                # try them all, maybe one of them is a leader
                rf = cfg.rafts[i]
                if rf is not None:
                    index1, _, ok1 = rf.start(x)
                    if ok1:
                        ok = ok1
                        index = index1
            if ok:
                # maybe leader will commit our value, maybe not. but don't wait forever.
                for to in (10, 20, 50, 100, 200):
                    nd, cmd = cfg.n_committed(index)
                    if nd > 0:
                        if type(cmd) is int:
                            if cmd == x:
                                values.append(x)
                        else:
                            cfg.t.fatalf("wrong command type")
                        break
                    await asyncio.sleep(to / 1000)
            else:
                await asyncio.sleep((79 + me * 17) / 1000)
        return values

    ncli = 3
    cha = [t.go(cfn(i)) for i in range(ncli)]

    for _ in range(20):
        if rand.int() % 1000 < 200:
            i = rand.int() % servers
            cfg.disconnect(i)

        if rand.int() % 1000 < 500:
            i = rand.int() % servers
            if cfg.rafts[i] is None:
                cfg.start1(i, cfg.applier)
            cfg.connect(i)

        if rand.int() % 1000 < 200:
            i = rand.int() % servers
            if cfg.rafts[i] is not None:
                cfg.crash1(i)

        # Make crash/restart infrequent enough that the peers can often keep up, but not so infrequent that
        # everything has settled down from one change to the next. Pick a value smaller than the election
        # timeout, but not hugely smaller.
        await asyncio.sleep((RAFT_ELECTION_TIMEOUT * 7) / 10)

    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)
    cfg.set_unreliable(False)
    for i in range(servers):
        if cfg.rafts[i] is None:
            cfg.start1(i, cfg.applier)
        cfg.connect(i)

    stop = True

    values = []
    for vv in await t.wait_all(cha):
        if vv is None:
            t.fatalf("client failed")
        values.extend(vv)

    await asyncio.sleep(RAFT_ELECTION_TIMEOUT)

    last_index = await cfg.one(rand.int(), servers, True)

    really = []
    for index in range(1, last_index + 1):
        v = await cfg.wait(index, servers, -1)
        if type(v) is int:
            really.append(v)
        else:
            t.fatalf("not an int")

    for v1 in values:
        if v1 not in really:
            cfg.t.fatalf("didn't find a value")
    cfg.end()


@lab_test("2C", "Test (2C): churn")
async def test_reliable_churn_2C(t):
    await internal_churn(t, False)


@lab_test("2C", "Test (2C): unreliable churn")
async def test_unreliable_churn_2C(t):
    await internal_churn(t, True)


async def snapcommon(t, name: str, disconnect: bool, reliable: bool, crash: bool):
    iters = 30
    servers = 3
    cfg = await make_config(t, servers, not reliable, True)
    cfg.begin(name)

    await cfg.one(rand.int(), servers, True)
    leader1 = await cfg.check_one_leader()

    for i in range(iters):
        victim = (leader1 + 1) % servers
        sender = leader1
        if i % 3 == 1:
            sender = (leader1 + 1) % servers
            victim = leader1

        if disconnect:
            cfg.disconnect(victim)
            await cfg.one(rand.int(), servers - 1, True)
        if crash:
            cfg.crash1(victim)
            await cfg.one(rand.int(), servers - 1, True)

        # perhaps send enough to get a snapshot
        nn = (SNAPSHOT_INTERVAL // 2) + (rand.int() % SNAPSHOT_INTERVAL)
        for _ in range(nn):
            cfg.rafts[sender].start(rand.int())

        # let applier threads catch up with the Start()'s
        if not disconnect and not crash:
            # make sure all followers have caught up, so that an InstallSnapshot RPC isn't required for
            # TestSnapshotBasic2D().
            await cfg.one(rand.int(), servers, True)
        else:
            await cfg.one(rand.int(), servers - 1, True)

        if cfg.log_size() >= MAX_LOG_SIZE:
            cfg.t.fatalf("Log size too large")
        if disconnect:
            # reconnect a follower, who maybe behind and needs to receive a snapshot to catch up.
            cfg.connect(victim)
            await cfg.one(rand.int(), servers, True)
            leader1 = await cfg.check_one_leader()
        if crash:
            cfg.start1(victim, cfg.applier_snap)
            cfg.connect(victim)
            await cfg.one(rand.int(), servers, True)
            leader1 = await cfg.check_one_leader()
    cfg.end()


@lab_test("2D", "Test (2D): snapshots basic")
async def test_snapshot_basic_2D(t):
    await snapcommon(t, "Test (2D): snapshots basic", False, True, False)


@lab_test("2D", "Test (2D): install snapshots (disconnect)")
async def test_snapshot_install_2D(t):
    await snapcommon(t, "Test (2D): install snapshots (disconnect)", True, True, False)


@lab_test("2D", "Test (2D): install snapshots (disconnect+unreliable)")
async def test_snapshot_install_unreliable_2D(t):
    await snapcommon(t, "Test (2D): install snapshots (disconnect+unreliable)", True, False, False)


@lab_test("2D", "Test (2D): install snapshots (crash)")
async def test_snapshot_install_crash_2D(t):
    await snapcommon(t, "Test (2D): install snapshots (crash)", False, True, True)


@lab_test("2D", "Test (2D): install snapshots (unreliable+crash)")
async def test_snapshot_install_un_crash_2D(t):
    await snapcommon(t, "Test (2D): install snapshots (unreliable+crash)", False, False, True)


@lab_test("2D", "Test (2D): crash and restart all servers")
async def test_snapshot_all_crash_2D(t):
    """Do the servers persist the snapshots, and restart using snapshot along with the tail of the log?"""
    servers = 3
    iters = 5
    cfg = await make_config(t, servers, False, True)
    cfg.begin("Test (2D): crash and restart all servers")

    await cfg.one(rand.int(), servers, True)

    for _ in range(iters):
        # perhaps enough to get a snapshot
        nn = (SNAPSHOT_INTERVAL // 2) + (rand.int() % SNAPSHOT_INTERVAL)
        for _ in range(nn):
            await cfg.one(rand.int(), servers, True)

        index1 = await cfg.one(rand.int(), servers, True)

        # crash all
        for i in range(servers):
            cfg.crash1(i)

        # revive all
        for i in range(servers):
            cfg.start1(i, cfg.applier_snap)
            cfg.connect(i)

        index2 = await cfg.one(rand.int(), servers, True)
        if index2 < index1 + 1:
            t.fatalf(f"index decreased from {index1} to {index2}")
    cfg.end()


@lab_test("2D", "Test (2D): snapshot initialization after crash")
async def test_snapshot_init_2D(t):
    """Do servers correctly initialize their in-memory copy of the snapshot, making sure that future writes to
    persistent state don't lose state?"""
    servers = 3
    cfg = await make_config(t, servers, False, True)
    cfg.begin("Test (2D): snapshot initialization after crash")

    await cfg.one(rand.int(), servers, True)

    # enough ops to make a snapshot
    nn = SNAPSHOT_INTERVAL + 1
    for _ in range(nn):
        await cfg.one(rand.int(), servers, True)

    # crash all
    for i in range(servers):
        cfg.crash1(i)

    # revive all
    for i in range(servers):
        cfg.start1(i, cfg.applier_snap)
        cfg.connect(i)

    # a single op, to get something to be written back to persistent storage.
    await cfg.one(rand.int(), servers, True)

    # crash all
    for i in range(servers):
        cfg.crash1(i)

    # revive all
    for i in range(servers):
        cfg.start1(i, cfg.applier_snap)
        cfg.connect(i)

    # do another op to trigger potential bug
    await cfg.one(rand.int(), servers, True)
    cfg.end()
