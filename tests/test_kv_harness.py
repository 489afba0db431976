"""The KV harness (tester/kv_config.py, tester/lab3_helpers.py) and the lab 3 tests (tester/lab3_tests.py).

Fast tests drive the harness with FakeKV, a tiny KV service without Raft, and its broken variants: each bug must
fail the lab test that is meant to catch it, with Go's message. The slow ones run every 3A/3B test once against
the reference implementation.
"""

from __future__ import annotations

import asyncio
import json
import re
from types import SimpleNamespace

import pytest

import labrpc
from tester import lab3_helpers
from tester.impl import Impl
from tester.kv_config import make_config
from tester.lab3_helpers import (check_clnt_appends, check_concurrent_appends, check_history, generic_title,
                                 go_duration)
from tester.porcupine import APPEND, GET, PUT, CheckResult, KvInput, KvOutput, Operation, check_operations
from tester.porcupine import load_history
from tester.registry import LabTest, all_tests
from tester.run_one import run_test
from tester.students import open_students
from tester.testing import T, TestFailure

# --- FakeKV: server 0 alone executes requests, after a delay standing in for agreement; no Raft.


class FakeRaft:
    def __init__(self, leader: bool):
        self.leader, self.dead = leader, False

    def get_state(self):
        return 1, self.leader

    def kill(self):
        self.dead = True


class FakeKVServer:
    APPLY_DELAY = 0.010   # virtual seconds an operation takes, as if Raft agreed on it

    def __init__(self, servers, me, persister, maxraftstate):
        self.servers, self.me, self.persister, self.maxraftstate = servers, me, persister, maxraftstate
        state = persister.read_raft_state()
        self.data, self.last_seq = labrpc.decode(state) if state else ({}, {})
        self.rf = FakeRaft(me == 0)
        self.ticks = 0
        asyncio.get_running_loop().create_task(self._ticker())   # belongs to this incarnation's peer

    async def _ticker(self):
        while True:
            await asyncio.sleep(0.1)
            self.ticks += 1

    def kill(self):
        self.rf.kill()

    def leads(self) -> bool:
        return self.rf.leader

    async def get(self, args):
        if not self.leads():
            return {"err": "ErrWrongLeader"}
        await asyncio.sleep(self.APPLY_DELAY)
        return {"err": "OK", "value": self.data.get(args["key"], "")}

    async def put_append(self, args):
        if not self.leads():
            return {"err": "ErrWrongLeader"}
        await asyncio.sleep(self.APPLY_DELAY)
        if self.last_seq.get(args["client"], 0) < args["seq"]:
            self.last_seq[args["client"]] = args["seq"]
            self.apply(args)
            self.persist()
        return {"err": "OK"}

    def apply(self, args):
        old = self.data.get(args["key"], "") if args["op"] == "Append" else ""
        self.data[args["key"]] = old + args["value"]

    def persist(self):
        self.persister.save(labrpc.encode((self.data, self.last_seq)), None)


class FakeClerk:
    def __init__(self, servers):
        self.servers, self.client, self.seq = servers, labrpc.random_stream("fake clerk").getrandbits(62), 0

    async def get(self, key):
        return (await self._call("KVServer.get", {"key": key}))["value"]

    async def put(self, key, value):
        await self._call("KVServer.put_append", {"key": key, "value": value, "op": "Put"})

    async def append(self, key, value):
        await self._call("KVServer.put_append", {"key": key, "value": value, "op": "Append"})

    async def _call(self, method, args):
        self.seq += 1
        args = dict(args, client=self.client, seq=self.seq)
        while True:
            for end in self.servers:
                reply = await end.call(method, args)
                if reply is not None and reply["err"] == "OK":
                    return reply
            await asyncio.sleep(0.05)


def fake_impl(name: str, server=FakeKVServer, clerk=FakeClerk) -> Impl:
    kvraft = SimpleNamespace(start_kv_server=server, make_clerk=clerk)
    return Impl(f"fake-{name}", modules={"kvraft": kvraft})


def in_world(body, impl=None, seed=1):
    """Run `await body(t)` in a fresh simulated world, as a lab test runs; return what body returned."""
    t = T("TestHarness", None, impl or fake_impl("ok"), seed)
    t.students = open_students(t.impl)   # a fake in memory: it runs in this process
    out = []

    async def test(t):
        out.append(await body(t))

    async def main():
        await t.run(test)
    labrpc.run(main, seed=seed, time_limit=120)
    return out[0]


def end_to(cfg, ck, j):
    """The clerk's end that leads to server j (the clerk holds them shuffled)."""
    return next(end for end in ck.raw.servers if end.name == cfg.clerks[ck][j])


async def reachable(cfg, ck):
    """The servers the clerk's ends reach."""
    return [j for j in cfg.all() if await end_to(cfg, ck, j).call("KVServer.get", {"key": "k"}) is not None]


# --- harness helpers

@pytest.mark.parametrize("leader", [0, 2, 4])
def test_make_partition_puts_the_leader_in_the_minority(leader):
    class Server(FakeKVServer):
        def __init__(self, servers, me, persister, maxraftstate):
            super().__init__(servers, me, persister, maxraftstate)
            self.rf = FakeRaft(me == leader)

    async def body(t):
        cfg = await make_config(t, 5, False, -1)
        p1, p2 = cfg.make_partition()
        assert len(p1) == 3 and leader not in p1
        assert p2[-1] == leader and len(p2) == 2
        assert sorted(p1 + p2) == [0, 1, 2, 3, 4]
    in_world(body, fake_impl("leader", server=Server))


def test_partition_cuts_server_links_but_not_clients():
    async def body(t):
        cfg = await make_config(t, 3, False, -1)
        ck = cfg.make_client(cfg.all())
        cfg.partition([0, 1], [2])
        s0, s2 = cfg.kvservers[0].raw, cfg.kvservers[2].raw
        assert await s0.servers[1].call("KVServer.get", {"key": "a"}) == {"err": "ErrWrongLeader"}
        assert await s0.servers[2].call("KVServer.get", {"key": "a"}) is None
        assert await s2.servers[0].call("KVServer.get", {"key": "a"}) is None
        assert await reachable(cfg, ck) == [0, 1, 2], "the clerk still reaches every server, the cut-off S2 too"
        cfg.connect_all()
        assert await s0.servers[2].call("KVServer.get", {"key": "a"}) is not None
    in_world(body)


def test_make_client_shuffles_handles_and_enables_only_to():
    async def body(t):
        cfg = await make_config(t, 5, False, -1)
        orders = []
        for _ in range(8):
            ck = cfg.make_client(cfg.all())
            server_of = {name: j for j, name in enumerate(cfg.clerks[ck])}
            orders.append([server_of[end.name] for end in ck.raw.servers])
        assert all(sorted(order) == [0, 1, 2, 3, 4] for order in orders)
        assert any(order != [0, 1, 2, 3, 4] for order in orders), "clerk slot k must not always be server k"
        ck = cfg.make_client([1, 3])
        assert await reachable(cfg, ck) == [1, 3]
        cfg.disconnect_client(ck, [1])
        cfg.connect_client(ck, [4])
        assert await reachable(cfg, ck) == [3, 4]
        return orders
    assert in_world(body) == in_world(body), "the shuffles come from the seed"
    assert in_world(body) != in_world(body, seed=2)


def test_shutdown_then_start_server():
    async def body(t):
        cfg = await make_config(t, 3, False, -1)
        ck = cfg.make_client(cfg.all())
        await ck.put("k", "v")
        old, old_peer, old_saved = cfg.kvservers[0].raw, cfg.peers[0], cfg.saved[0]
        cfg.shutdown_server(0)
        assert cfg.kvservers[0] is None and not old_peer.alive and old.rf.dead
        assert cfg.saved[0] is not old_saved and cfg.saved[0].read_raft_state() == old_saved.read_raft_state()
        # the dead incarnation writing into its own persister must not reach the state the next one starts from
        old_saved.save(b"written after the shutdown", None)
        ticks = old.ticks
        await asyncio.sleep(0.5)
        assert old.ticks == ticks, "the shut-down server's tasks must stop"
        assert await end_to(cfg, ck, 0).call("KVServer.get", {"key": "k"}) is None, "deleted from the network"
        cfg.start_server(0)
        new = cfg.kvservers[0].raw
        assert new is not old and cfg.peers[0].name == "S0" and cfg.peers[0] is not old_peer
        assert new.data == {"k": "v"}, "a restarted server starts from the last state its predecessor persisted"
        assert await cfg.kvservers[1].raw.servers[0].call("KVServer.get", {"key": "k"}) is None, "not connected yet"
        cfg.connect_all()
        assert await ck.get("k") == "v"
        with pytest.raises(TestFailure, match="shutdown_server"):
            cfg.start_server(1)
    in_world(body)


def test_clerks_and_servers_run_as_their_peers():
    seen = []

    class Clerk(FakeClerk):
        async def get(self, key):
            seen.append(labrpc.current_peer().name)
            return await super().get(key)

    class Server(FakeKVServer):
        async def get(self, args):
            seen.append(labrpc.current_peer().name)
            return await super().get(args)

    async def body(t):
        cfg = await make_config(t, 3, False, -1)
        ck = cfg.make_client(cfg.all())
        await ck.get("k")
    in_world(body, fake_impl("peers", server=Server, clerk=Clerk))
    assert seen[0] == "C0" and "S0" in seen[1:]


def test_timestamps_increase_within_one_virtual_instant():
    async def body(t):
        cfg = await make_config(t, 3, False, -1)
        stamps = [cfg.timestamp() for _ in range(5)]
        assert all(a < b for a, b in zip(stamps, stamps[1:]))
        assert stamps[-1] - labrpc.now() < 1e-6
    in_world(body)


def test_annotations_record_partitions_and_restarts():
    async def body(t):
        cfg = await make_config(t, 3, False, -1)
        await asyncio.sleep(1)
        cfg.partition([0], [1, 2])
        await asyncio.sleep(1)
        cfg.connect_all()
        cfg.shutdown_server(2)
        await asyncio.sleep(1)
        cfg.start_server(2)
        cfg.shutdown_server(1)
        await asyncio.sleep(1)
        return cfg.annotations()

    notes = in_world(body)
    assert [x for n in notes for x in (n.time, n.end)] == pytest.approx([1, 2, 2, 3, 3, 4])
    assert [n.peer for n in notes] == [None, 2, 1]
    assert notes[0].text == "partition [0] | [1, 2]" and notes[1].text.startswith("S2 shut down, restarted")


def test_clerk_that_never_asks_the_servers_fails_instead_of_spinning():
    class LocalClerk(FakeClerk):   # answers from its own dict: no RPC, so no virtual time passes
        async def _call(self, method, args):
            data = self.__dict__.setdefault("data", {})
            if method == "KVServer.put_append":
                data[args["key"]] = (data.get(args["key"], "") if args["op"] == "Append" else "") + args["value"]
            return {"err": "OK", "value": data.get(args["key"], "")}

    result = run_test("TestBasic3A", seed=1, impl=fake_impl("local-clerk", clerk=LocalClerk), quiet=True)
    assert result.message.startswith("1001 clerk operations completed at virtual time 0.000 s without the clock moving")


# --- check helpers

def fatal(message):
    raise TestFailure(message)


DUMMY_T = SimpleNamespace(fatalf=fatal)


def test_check_clnt_appends_messages():
    check_clnt_appends(DUMMY_T, 3, "x 3 0 yx 3 1 y", 2)
    with pytest.raises(TestFailure, match="^3 missing element x 3 1 y in Append result x 3 0 y$"):
        check_clnt_appends(DUMMY_T, 3, "x 3 0 y", 2)
    with pytest.raises(TestFailure, match="^duplicate element x 3 0 y in Append result$"):
        check_clnt_appends(DUMMY_T, 3, "x 3 0 yx 3 0 yx 3 1 y", 2)
    with pytest.raises(TestFailure, match="^wrong order for element x 3 1 y in Append result$"):
        check_clnt_appends(DUMMY_T, 3, "x 3 1 yx 3 0 y", 2)
    with pytest.raises(TestFailure, match="^1 missing element x 1 0 y"):
        check_concurrent_appends(DUMMY_T, "x 0 0 y", [1, 1])


def test_go_duration():
    assert go_duration(0.1 / 3) == "33.333333ms"
    assert go_duration(0.04) == "40ms"
    assert go_duration(1.5) == "1.5s"
    assert go_duration(0.00025) == "250µs"


def test_generic_titles_match_the_registered_ones():
    registered = {t.name: t.title for t in all_tests()}
    assert registered["TestBasic3A"] == generic_title("3A", 1, False, False, False, -1, False)
    assert registered["TestPersistPartitionUnreliableLinearizable3A"] == \
        generic_title("3A", 15, True, True, True, -1, True)
    assert registered["TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B"] == \
        "Test: unreliable net, restarts, partitions, snapshots, random keys, many clients (3B)"
    lab3 = [t.name for t in all_tests() if t.lab == "lab3"]
    assert len(lab3) == 23 and lab3[:2] == ["TestBasic3A", "TestSpeed3A"] and lab3[-1].endswith("Linearizable3B")


# --- the linearizability check

def op(client, kind, key, value, call, ret):
    inp = KvInput(kind, key, "" if kind == GET else value)
    return Operation(client, inp, call, KvOutput(value if kind == GET else ""), ret)


# put(x, 1) completes, then a get reads the initial value: a stale read
STALE_READ = [op(0, PUT, "x", "1", 0.0, 1.0), op(1, GET, "x", "", 2.0, 3.0)]
# 14 appends all concurrent with each other and with a get that no order explains: the search must try every order
UNDECIDABLE = [op(i, APPEND, "k", f"x {i} 0 y", 0.0, 1.0) for i in range(14)] + [op(20, GET, "k", "z", 0.0, 1.0)]


def history_test(ops):
    """A lab test whose history is `ops`, checked the way GenericTest checks its own."""
    async def body(t):
        cfg = await make_config(t, 3, False, -1)
        cfg.begin("Test: history check (3A)")
        cfg.partition([0, 1], [2])
        await asyncio.sleep(1)
        cfg.connect_all()
        await check_history(t, cfg, ops)
        cfg.end()
    return LabTest("TestHistoryCheck3A", "3A", "Test: history check (3A)", body)


def test_non_linearizable_history_fails_with_view_and_json(tmp_path, monkeypatch):
    monkeypatch.setenv("RAFTLAB_OUTPUT_DIR", str(tmp_path))
    result = run_test(history_test(STALE_READ), seed=1, impl=fake_impl("ok"), quiet=True)
    assert not result.passed and not result.unknown
    assert result.message == "history is not linearizable"
    html = tmp_path / "TestHistoryCheck3A-seed1-history.html"
    assert f"info: wrote history visualization to {html}" in result.output
    assert html.stat().st_size > 1000 and "partition [0, 1] | [2]" in html.read_text()
    saved = load_history(html.with_suffix(".json"))
    assert saved.operations == STALE_READ
    assert [(a.time, a.end, a.text) for a in saved.annotations] == [(0, pytest.approx(1), "partition [0, 1] | [2]")]
    assert check_operations(lab3_helpers.KV_MODEL, saved.operations) is CheckResult.ILLEGAL


def test_history_check_in_the_temp_dir_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("RAFTLAB_OUTPUT_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(lab3_helpers.tempfile, "tempdir", None)
    result = run_test(history_test(STALE_READ), seed=1, impl=fake_impl("ok"), quiet=True)
    assert result.message == "history is not linearizable"
    assert len(list(tmp_path.glob("TestHistoryCheck3A-seed1-*.html"))) == 1
    assert len(list(tmp_path.glob("TestHistoryCheck3A-seed1-*.json"))) == 1


def test_undecided_history_is_reported_unknown_not_passed(tmp_path, monkeypatch):
    monkeypatch.setenv("RAFTLAB_OUTPUT_DIR", str(tmp_path))
    monkeypatch.setattr(lab3_helpers, "LINEARIZABILITY_CHECK_TIMEOUT", 0.05)
    monkeypatch.setattr(lab3_helpers, "LINEARIZABILITY_RETRY_TIMEOUT", 0.1)
    result = run_test(history_test(UNDECIDABLE), seed=1, impl=fake_impl("ok"), quiet=True)
    assert result.unknown and not result.passed
    assert "UNKNOWN" in result.message and "--- UNKNOWN: TestHistoryCheck3A" in result.output
    assert "Passed" not in result.output
    saved = json.loads((tmp_path / "TestHistoryCheck3A-seed1-history.json").read_text())
    assert len(saved["operations"]) == 15


def test_linearizable_history_passes(tmp_path, monkeypatch):
    monkeypatch.setenv("RAFTLAB_OUTPUT_DIR", str(tmp_path))
    fine = [op(0, PUT, "x", "1", 0.0, 1.0), op(1, GET, "x", "1", 2.0, 3.0)]
    result = run_test(history_test(fine), seed=1, impl=fake_impl("ok"), quiet=True)
    assert result.passed and not result.unknown and "  ... Passed --" in result.output
    assert list(tmp_path.iterdir()) == []


# --- broken KV services fail the test meant to catch them, with Go's message

def run_fake(test_name, name, server=FakeKVServer, clerk=FakeClerk, seed=1):
    return run_test(test_name, seed=seed, impl=fake_impl(name, server, clerk), quiet=True)


def test_fake_kv_passes_the_reliable_tests():
    for name in ("TestBasic3A", "TestSpeed3A", "TestUnreliableOneKey3A", "TestPersistOneClient3A"):
        result = run_fake(name, "ok")
        assert result.passed, (name, result.message)
    passed_line = r"\n  \.\.\. Passed --  15\.\d  5 +\d+ +\d+   real \d+\.\d\d s  seed=1$"
    assert re.search(passed_line, run_fake("TestBasic3A", "ok").output)


def test_slow_clerk_fails_the_speed_test():
    class SlowClerk(FakeClerk):
        async def _call(self, method, args):
            await asyncio.sleep(0.030)
            return await super()._call(method, args)

    result = run_fake("TestSpeed3A", "slow-clerk", clerk=SlowClerk)
    slow = re.fullmatch(r"Operations completed too slowly (\d+(?:\.\d+)?)ms/op > 33\.333333ms/op", result.message)
    assert slow and 40 <= float(slow[1]) < 50, result.message


def test_applying_appends_twice_fails_with_duplicate_element():
    class DoubleApply(FakeKVServer):
        def apply(self, args):
            super().apply(args)
            if args["op"] == "Append":
                super().apply(args)

    result = run_fake("TestUnreliableOneKey3A", "double-apply", server=DoubleApply)
    assert result.message.startswith("duplicate element x 0 0 y in Append result"), result.message


def test_wrong_get_value_fails_the_generic_test():
    class LosesPuts(FakeKVServer):
        def apply(self, args):
            if args["op"] == "Append":
                super().apply(args)

    result = run_fake("TestBasic3A", "loses-puts", server=LosesPuts)
    assert result.message.startswith("get wrong value, key 0, wanted:\n"), result.message


def test_serving_from_a_minority_fails_one_partition():
    class EveryoneLeads(FakeKVServer):
        def leads(self):
            return True

    result = run_fake("TestOnePartition3A", "everyone-leads", server=EveryoneLeads)
    assert result.message in ("Put in minority completed", "Get in minority completed")
    assert "Test: progress in majority (3A) ..." in result.output


def test_untrimmed_log_fails_the_snapshot_size_test():
    class NeverTrims(FakeKVServer):
        def persist(self):
            self.persister.save(self.persister.read_raft_state() + labrpc.encode(self.data), None)

    result = run_fake("TestSnapshotSize3B", "never-trims", server=NeverTrims)
    assert result.message.startswith("logs were not trimmed (") and result.message.endswith(" > 8*1000)")


def test_snapshot_with_maxraftstate_minus_one_fails():
    class AlwaysSnapshots(FakeKVServer):
        def persist(self):
            self.persister.save(labrpc.encode((self.data, self.last_seq)), b"snapshot")

    result = run_fake("TestBasic3A", "always-snapshots", server=AlwaysSnapshots)
    assert result.message == "snapshot too large (8), should not be used when maxraftstate = -1"


def test_clerk_exception_names_the_clerk_and_the_call():
    class Broken(FakeClerk):
        async def get(self, key):
            raise KeyError(key)

    result = run_fake("TestSnapshotRPC3B", "broken-clerk", clerk=Broken)
    assert result.message.startswith("C0 at ") and "Clerk.get('a') raised KeyError: 'a'" in result.message


# --- every lab 3 test, once, against the reference

FAST_REFERENCE = ["TestSpeed3A", "TestUnreliableOneKey3A", "TestOnePartition3A", "TestSnapshotRPC3B",
                  "TestSnapshotSize3B", "TestSpeed3B"]
SLOW_REFERENCE = [t.name for t in all_tests() if t.lab == "lab3" and t.name not in FAST_REFERENCE]


@pytest.mark.parametrize("name", FAST_REFERENCE)
def test_reference_passes(name):
    result = run_test(name, seed=1, quiet=True)
    assert result.passed, result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_REFERENCE)
def test_reference_passes_slow(name):
    result = run_test(name, seed=1, quiet=True)
    assert result.passed, result.output
