"""Lab 3 (fault-tolerant KV service) tests, parts 3A and 3B: Go's kvraft/test_test.go (2022/2023), test for test.

    test_basic_3A ... test_snapshot_unreliable_recover_concurrent_partition_linearizable_3B
                                    one `async def` per Go test, in Go's order (helpers: tester.lab3_helpers)

Run them with `raftlab test 3A` (see tester.cli), or with pytest through the raftlab plugin:
    python -m pytest --pyargs tester.lab3_tests -m 3A [--seed N] [--impl DIR]
Time is virtual: every sleep and bound below is simulated (the speed tests' 33.3 ms per op too).
"""

from __future__ import annotations

import asyncio

from tester.kv_config import make_config
from tester.lab3_helpers import (ELECTION_TIMEOUT, append, check, check_concurrent_appends, generic_test,
                                 generic_test_speed, get, put, select, spawn_clients_and_wait)
from tester.registry import lab_test


@lab_test("3A", "Test: one client (3A)")
async def test_basic_3A(t):
    await generic_test(t, "3A", 1, 5, False, False, False, -1, False)


@lab_test("3A", "Test: ops complete fast enough (3A)")
async def test_speed_3A(t):
    await generic_test_speed(t, "3A", -1)


@lab_test("3A", "Test: many clients (3A)")
async def test_concurrent_3A(t):
    await generic_test(t, "3A", 5, 5, False, False, False, -1, False)


@lab_test("3A", "Test: unreliable net, many clients (3A)")
async def test_unreliable_3A(t):
    await generic_test(t, "3A", 5, 5, True, False, False, -1, False)


@lab_test("3A", "Test: concurrent append to same key, unreliable (3A)")
async def test_unreliable_one_key_3A(t):
    nservers = 3
    cfg = await make_config(t, nservers, True, -1)
    ck = cfg.make_client(cfg.all())

    cfg.begin("Test: concurrent append to same key, unreliable (3A)")

    await put(cfg, ck, "k", "", None, -1)

    nclient = 5
    upto = 10

    async def appender(me, myck, t):
        n = 0
        while n < upto:
            await append(cfg, myck, "k", f"x {me} {n} y", None, -1)
            n += 1

    await spawn_clients_and_wait(t, cfg, nclient, appender)

    counts = [upto] * nclient

    vx = await get(cfg, ck, "k", None, -1)
    check_concurrent_appends(t, vx, counts)

    cfg.end()


@lab_test("3A", "Test: progress in majority (3A)",
          sections=("Test: no progress in minority (3A)", "Test: completion after heal (3A)"))
async def test_one_partition_3A(t):
    """Submit a request in the minority partition and check that the requests don't go through until the
    partition heals. The leader in the original network ends up in the minority partition."""
    nservers = 5
    cfg = await make_config(t, nservers, False, -1)
    ck = cfg.make_client(cfg.all())

    await put(cfg, ck, "1", "13", None, -1)

    cfg.begin("Test: progress in majority (3A)")

    p1, p2 = cfg.make_partition()
    cfg.partition(p1, p2)

    ckp1 = cfg.make_client(p1)    # connect ckp1 to p1
    ckp2a = cfg.make_client(p2)   # connect ckp2a to p2
    ckp2b = cfg.make_client(p2)   # connect ckp2b to p2

    await put(cfg, ckp1, "1", "14", None, -1)
    await check(cfg, t, ckp1, "1", "14")

    cfg.end()

    done0 = asyncio.Event()
    done1 = asyncio.Event()

    cfg.begin("Test: no progress in minority (3A)")

    async def put_in_minority():
        await put(cfg, ckp2a, "1", "15", None, -1)
        done0.set()

    async def get_in_minority():
        await get(cfg, ckp2b, "1", None, -1)   # different clerk in p2
        done1.set()

    t.go(put_in_minority(), name="put in minority")
    t.go(get_in_minority(), name="get in minority")

    which = await select([done0, done1], timeout=1)
    if which is done0:
        t.fatalf("Put in minority completed")
    if which is done1:
        t.fatalf("Get in minority completed")

    await check(cfg, t, ckp1, "1", "14")
    await put(cfg, ckp1, "1", "16", None, -1)
    await check(cfg, t, ckp1, "1", "16")

    cfg.end()

    cfg.begin("Test: completion after heal (3A)")

    cfg.connect_all()
    cfg.connect_client(ckp2a, cfg.all())
    cfg.connect_client(ckp2b, cfg.all())

    await asyncio.sleep(ELECTION_TIMEOUT)

    if await select([done0], timeout=30 * 0.100) is None:
        t.fatalf("Put did not complete")

    # Go checks done1 in a select with a default branch, so the Get is not waited for: nothing to check here.

    await check(cfg, t, ck, "1", "15")

    cfg.end()


@lab_test("3A", "Test: partitions, one client (3A)")
async def test_many_partitions_one_client_3A(t):
    await generic_test(t, "3A", 1, 5, False, False, True, -1, False)


@lab_test("3A", "Test: partitions, many clients (3A)")
async def test_many_partitions_many_clients_3A(t):
    await generic_test(t, "3A", 5, 5, False, False, True, -1, False)


@lab_test("3A", "Test: restarts, one client (3A)")
async def test_persist_one_client_3A(t):
    await generic_test(t, "3A", 1, 5, False, True, False, -1, False)


@lab_test("3A", "Test: restarts, many clients (3A)")
async def test_persist_concurrent_3A(t):
    await generic_test(t, "3A", 5, 5, False, True, False, -1, False)


@lab_test("3A", "Test: unreliable net, restarts, many clients (3A)")
async def test_persist_concurrent_unreliable_3A(t):
    await generic_test(t, "3A", 5, 5, True, True, False, -1, False)


@lab_test("3A", "Test: restarts, partitions, many clients (3A)")
async def test_persist_partition_3A(t):
    await generic_test(t, "3A", 5, 5, False, True, True, -1, False)


@lab_test("3A", "Test: unreliable net, restarts, partitions, many clients (3A)")
async def test_persist_partition_unreliable_3A(t):
    await generic_test(t, "3A", 5, 5, True, True, True, -1, False)


@lab_test("3A", "Test: unreliable net, restarts, partitions, random keys, many clients (3A)")
async def test_persist_partition_unreliable_linearizable_3A(t):
    await generic_test(t, "3A", 15, 7, True, True, True, -1, True)


@lab_test("3B", "Test: InstallSnapshot RPC (3B)", name="TestSnapshotRPC3B")
async def test_snapshot_rpc_3B(t):
    """The majority trims its log while a server is cut off; that server then catches up through InstallSnapshot."""
    nservers = 3
    maxraftstate = 1000
    cfg = await make_config(t, nservers, False, maxraftstate)
    ck = cfg.make_client(cfg.all())

    cfg.begin("Test: InstallSnapshot RPC (3B)")

    await put(cfg, ck, "a", "A", None, -1)
    await check(cfg, t, ck, "a", "A")

    # a bunch of puts into the majority partition.
    cfg.partition([0, 1], [2])
    ck1 = cfg.make_client([0, 1])
    for i in range(50):
        await put(cfg, ck1, str(i), str(i), None, -1)
    await asyncio.sleep(ELECTION_TIMEOUT)
    await put(cfg, ck1, "b", "B", None, -1)

    # check that the majority partition has thrown away most of its log entries.
    sz = cfg.log_size()
    if sz > 8 * maxraftstate:
        t.fatalf(f"logs were not trimmed ({sz} > 8*{maxraftstate})")

    # now make group that requires participation of lagging server, so that it has to catch up.
    cfg.partition([0, 2], [1])
    ck1 = cfg.make_client([0, 2])
    await put(cfg, ck1, "c", "C", None, -1)
    await put(cfg, ck1, "d", "D", None, -1)
    await check(cfg, t, ck1, "a", "A")
    await check(cfg, t, ck1, "b", "B")
    await check(cfg, t, ck1, "1", "1")
    await check(cfg, t, ck1, "49", "49")

    # now everybody
    cfg.partition([0, 1, 2], [])

    await put(cfg, ck, "e", "E", None, -1)
    await check(cfg, t, ck, "c", "C")
    await check(cfg, t, ck, "e", "E")
    await check(cfg, t, ck, "1", "1")

    cfg.end()


@lab_test("3B", "Test: snapshot size is reasonable (3B)")
async def test_snapshot_size_3B(t):
    """Are the snapshots not too huge? 500 bytes is a generous bound for 2 keys and a few clients."""
    nservers = 3
    maxraftstate = 1000
    maxsnapshotstate = 500
    cfg = await make_config(t, nservers, False, maxraftstate)
    ck = cfg.make_client(cfg.all())

    cfg.begin("Test: snapshot size is reasonable (3B)")

    for _ in range(200):
        await put(cfg, ck, "x", "0", None, -1)
        await check(cfg, t, ck, "x", "0")
        await put(cfg, ck, "x", "1", None, -1)
        await check(cfg, t, ck, "x", "1")

    # check that servers have thrown away most of their log entries
    sz = cfg.log_size()
    if sz > 8 * maxraftstate:
        t.fatalf(f"logs were not trimmed ({sz} > 8*{maxraftstate})")

    # check that the snapshots are not unreasonably large
    ssz = cfg.snapshot_size()
    if ssz > maxsnapshotstate:
        t.fatalf(f"snapshot too large ({ssz} > {maxsnapshotstate})")

    cfg.end()


@lab_test("3B", "Test: ops complete fast enough (3B)")
async def test_speed_3B(t):
    await generic_test_speed(t, "3B", 1000)


@lab_test("3B", "Test: restarts, snapshots, one client (3B)")
async def test_snapshot_recover_3B(t):
    await generic_test(t, "3B", 1, 5, False, True, False, 1000, False)


@lab_test("3B", "Test: restarts, snapshots, many clients (3B)")
async def test_snapshot_recover_many_clients_3B(t):
    await generic_test(t, "3B", 20, 5, False, True, False, 1000, False)


@lab_test("3B", "Test: unreliable net, snapshots, many clients (3B)")
async def test_snapshot_unreliable_3B(t):
    await generic_test(t, "3B", 5, 5, True, False, False, 1000, False)


@lab_test("3B", "Test: unreliable net, restarts, snapshots, many clients (3B)")
async def test_snapshot_unreliable_recover_3B(t):
    await generic_test(t, "3B", 5, 5, True, True, False, 1000, False)


@lab_test("3B", "Test: unreliable net, restarts, partitions, snapshots, many clients (3B)")
async def test_snapshot_unreliable_recover_concurrent_partition_3B(t):
    await generic_test(t, "3B", 5, 5, True, True, True, 1000, False)


@lab_test("3B", "Test: unreliable net, restarts, partitions, snapshots, random keys, many clients (3B)")
async def test_snapshot_unreliable_recover_concurrent_partition_linearizable_3B(t):
    await generic_test(t, "3B", 15, 7, True, True, True, 1000, True)
