"""The Raft harness (tester/raft_config.py) against fake Rafts that break one rule each: every check fires with
Go's message, at the virtual time Go's bounds imply, and student exceptions fail one test with peer and time."""

import asyncio
import re
from types import SimpleNamespace

import pytest

import labrpc
from labrpc import ApplyMsg
from tester.impl import Impl
from tester.raft_config import make_config
from tester.registry import LabTest
from tester.run_one import run_test


# --- fake implementations -------------------------------------------------------------------------------------

class FakeRaft:
    """Not Raft. term/leader come from `state(me)`; start() appends to one log shared by all peers (when `me`
    leads), and every peer applies that log in order through `deliver(me, index, command)` (None: skip)."""

    def __init__(self, world, peers, me, persister, apply_ch):
        self.world, self.peers, self.me, self.persister, self.apply_ch = world, peers, me, persister, apply_ch
        self.applied = 0
        world.started.append((me, labrpc.current_peer().name))
        asyncio.create_task(self._apply_loop())

    def get_state(self):
        return self.world.state(self.me)

    def start(self, command):
        self.world.start_peers.append(labrpc.current_peer().name)
        term, leader = self.world.state(self.me)
        if not leader or not self.world.commit:
            return (len(self.world.log) + 1 if leader else -1), term, leader
        self.world.log.append(command)
        return len(self.world.log), term, True

    def snapshot(self, index, snapshot):
        self.world.snapshots.append((self.me, index, labrpc.decode(snapshot)))

    def kill(self):
        pass

    async def _apply_loop(self):
        while True:
            await asyncio.sleep(0.010)
            while self.applied < len(self.world.log):
                self.applied += 1
                msg = self.world.deliver(self.me, self.applied, self.world.log[self.applied - 1])
                if msg is not None:
                    await self.apply_ch.put(msg)


def fake_impl(state=lambda me: (1, me == 0), commit=True, deliver=None, raft_class=FakeRaft) -> Impl:
    world = SimpleNamespace(state=state, commit=commit, log=[], snapshots=[], started=[], start_peers=[],
                            deliver=deliver or (lambda me, index, command: ApplyMsg(True, command, index)))

    def make(peers, me, persister, apply_ch):
        return raft_class(world, peers, me, persister, apply_ch)
    impl = Impl("fake", modules={"raft": SimpleNamespace(make=make)})
    impl.world = world
    return impl


def adhoc(body, part="2A") -> LabTest:
    """A one-off lab test around body(t) (the registry's tests are Go's; these probe the harness)."""
    return LabTest(f"TestHarness{part}", part, "Test (harness)", body)


def run(test, impl, seed=1):
    return run_test(test, seed=seed, impl=impl, quiet=True)


# --- leaders and terms ------------------------------------------------------------------------------------------

def test_check_one_leader_fails_after_ten_rounds_of_about_half_a_second():
    result = run("TestInitialElection2A", fake_impl(state=lambda me: (0, False)))
    assert not result.passed
    assert result.message == "expected one leader, got none"
    assert 4.5 <= result.virtual_s <= 5.5   # 10 rounds of 450-549 ms, virtual


def test_check_one_leader_detects_two_leaders_in_one_term():
    result = run("TestInitialElection2A", fake_impl(state=lambda me: (1, me != 2)))
    assert result.message == "term 1 has 2 (>1) leaders"
    assert 0.45 <= result.virtual_s < 0.55   # found in the first round


def test_check_one_leader_returns_the_leader_of_the_highest_term():
    found = {}

    async def body(t):
        cfg = await make_config(t, 3, False, False)
        found["leader"] = await cfg.check_one_leader()
    assert run(adhoc(body), fake_impl(state=lambda me: (me + 1, me != 1))).passed
    assert found["leader"] == 2


def test_check_terms_detects_disagreement():
    result = run("TestInitialElection2A", fake_impl(state=lambda me: (1 + me, me == 0)))
    assert result.message == "servers disagree on term"


def test_check_no_leader_names_the_stale_leader():
    # Every peer leads in a term of its own and never steps down: S2, then S1 left alone in a minority.
    result = run("TestReElection2A", fake_impl(state=lambda me: (me + 1, True)))
    assert result.message == "expected no leader among connected servers, but 1 claims to be leader"


def test_initial_election_warns_when_the_term_changes():
    result = run("TestInitialElection2A", fake_impl(state=lambda me: (1 + int(labrpc.now()), me == 0)))
    assert result.passed
    assert "warning: term changed even though there were no failures" in result.output


# --- agreement ------------------------------------------------------------------------------------------------

def test_basic_agree_passes_with_a_log_applied_everywhere_and_prints_the_go_line():
    result = run("TestBasicAgree2B", fake_impl(), seed=42)
    assert result.passed, result.message
    lines = result.output.splitlines()
    assert lines[0] == "Test (2B): basic agreement ..."
    assert re.fullmatch(r"  \.\.\. Passed -- +\d+\.\d  3 +0 +0 +3   real \d+\.\d\d s  seed=42", lines[1]), lines[1]


def test_one_without_retry_fails_after_two_seconds_when_nothing_commits():
    result = run("TestBasicAgree2B", fake_impl(commit=False))
    assert result.message.splitlines()[0] == "one(100) failed to reach agreement"   # Go's line; the tester's follow
    assert 2.0 <= result.virtual_s < 2.1


def test_one_with_retry_gives_up_after_ten_seconds():
    async def body(t):
        cfg = await make_config(t, 3, False, False)
        await cfg.one(7, 3, True)
    result = run(adhoc(body), fake_impl(commit=False))
    assert result.message.splitlines()[0] == "one(7) failed to reach agreement"   # Go's line; the tester's follow
    assert 10.0 <= result.virtual_s < 10.1


def test_wait_fails_after_thirty_rounds_of_backoff():
    async def body(t):
        cfg = await make_config(t, 3, False, False)
        await cfg.wait(1, 3, -1)
    result = run(adhoc(body), fake_impl(commit=False))
    assert result.message.splitlines()[0] == "only 0 decided for index 1; wanted 3"   # Go's line; the tester's follow
    assert 30.7 <= result.virtual_s < 30.8   # 10+20+...+640 ms, then 23 x 1280 ms


def test_wait_returns_minus_one_when_a_term_moves_on():
    got = {}

    async def body(t):
        cfg = await make_config(t, 3, False, False)
        got["wait"] = await cfg.wait(1, 3, 1)
    assert run(adhoc(body), fake_impl(commit=False, state=lambda me: (1 + int(labrpc.now() > 0.5), False))).passed
    assert got["wait"] == -1


def test_start_must_return_three_values():
    class BadStart(FakeRaft):
        def start(self, command):
            return 1, 1
    result = run("TestBasicAgree2B", fake_impl(raft_class=BadStart))
    assert result.message.startswith("S1 at 0.000 s: Raft.start() returned (1, 1); it must return "
                                     "(index, term, is_leader)")


# --- the appliers -----------------------------------------------------------------------------------------------

def test_applier_detects_out_of_order_apply_and_fails_at_once():
    def skip_first(me, index, command):
        return ApplyMsg(True, command, index + 1) if me == 0 else ApplyMsg(True, command, index)
    result = run("TestBasicAgree2B", fake_impl(deliver=skip_first))
    assert result.message == "apply error: server 0 apply out of order 2"
    assert result.virtual_s < 0.1   # the applier stops the test at once, not when one() times out


def test_applier_compares_commands_with_type_strict_equality():
    def as_text_on_s1(me, index, command):
        return ApplyMsg(True, str(command) if me == 1 else command, index)
    result = run("TestBasicAgree2B", fake_impl(deliver=as_text_on_s1))
    assert result.message in ("apply error: commit index=1 server=1 '100' != server=0 100",
                              "apply error: commit index=1 server=0 100 != server=1 '100'"), result.message


def test_n_committed_detects_different_committed_values():
    async def body(t):
        cfg = await make_config(t, 3, False, False)
        cfg.logs[0][5], cfg.logs[2][5] = "a", "b"
        cfg.n_committed(5)
    message = run(adhoc(body), fake_impl()).message
    assert message.splitlines()[0] == "committed values do not match: index 5, 'a', 'b'"   # Go's line first


def test_applier_refuses_what_is_not_an_apply_msg():
    result = run("TestBasicAgree2B", fake_impl(deliver=lambda me, index, command: (index, command)))
    assert result.message.startswith("S0 at ") and "apply_ch received (1, 100)" in result.message


def test_applier_snap_requires_strict_order():
    def repeat_first(me, index, command):   # 2022+: re-sending an applied index is an error too
        return ApplyMsg(True, command, 1)
    result = run(adhoc(snap_body(2), "2D"), fake_impl(deliver=repeat_first))
    assert re.fullmatch(r"apply error: server \d apply out of order, expected index 2, got 1", result.message)


def snap_body(commands: int, after=None):
    async def body(t):
        cfg = await make_config(t, 3, False, True)
        for i in range(commands):
            await cfg.one(1000 + i, 3, True)
        if after is not None:
            await after(cfg)
    return body


def test_applier_snap_snapshots_every_tenth_index_and_restart_ingests_it():
    impl, seen = fake_impl(), {}

    async def restart_s1(cfg):
        cfg.crash1(1)
        seen["after_crash"] = (cfg.last_applied[1], dict(cfg.logs[1]))
        cfg.saved[1].save(b"state", labrpc.encode([9, [None] + list(range(1000, 1009))]))
        cfg.start1(1, cfg.applier_snap)
        seen["after_restart"] = (cfg.last_applied[1], dict(cfg.logs[1]))
    assert run(adhoc(snap_body(20, restart_s1), "2D"), impl).passed
    expected_log = [None] + list(range(1000, 1009))
    assert sorted((me, index) for me, index, _ in impl.world.snapshots) == [(0, 9), (0, 19), (1, 9), (1, 19),
                                                                            (2, 9), (2, 19)]
    assert [data for me, index, data in impl.world.snapshots if index == 9][0] == [9, expected_log]
    assert seen["after_restart"] == (9, dict(enumerate(expected_log)))


def test_applier_snap_checks_the_snapshot_index_of_snapshot_messages():
    def bad_snapshot(me, index, command):
        if index == 3:
            return ApplyMsg(snapshot_valid=True, snapshot=labrpc.encode([2, [None, 1000, 1001]]), snapshot_index=3)
        return ApplyMsg(True, command, index)
    result = run(adhoc(snap_body(3), "2D"), fake_impl(deliver=bad_snapshot))
    assert result.message == "apply error: server 0 snapshot doesn't match m.SnapshotIndex"


def test_applier_snap_rejects_an_undecodable_snapshot():
    def garbage(me, index, command):
        return ApplyMsg(snapshot_valid=True, snapshot=b"garbage", snapshot_index=index)
    assert run(adhoc(snap_body(1), "2D"), fake_impl(deliver=garbage)).message == "snapshot decode error"


# --- peers: crash, restart, persistence -------------------------------------------------------------------------

def test_student_code_runs_as_its_peer_and_crash1_kills_its_tasks():
    ticks = {}

    class Ticker(FakeRaft):
        def __init__(self, *args):
            super().__init__(*args)
            self.ticks = 0
            asyncio.create_task(self._tick())

        async def _tick(self):
            while True:
                await asyncio.sleep(0.1)
                self.ticks += 1

    async def body(t):
        cfg = await make_config(t, 3, False, False)
        rf0 = cfg.rafts[0].raw
        await asyncio.sleep(1.05)
        cfg.crash1(0)
        ticks["at_crash"] = rf0.ticks
        await asyncio.sleep(1)
        ticks["later"] = rf0.ticks
        cfg.start1(0, cfg.applier)
        cfg.connect(0)
        await cfg.one(5, 3, False)
    impl = fake_impl(raft_class=Ticker)
    assert run(adhoc(body), impl).passed
    assert ticks["at_crash"] == 10 and ticks["later"] == 10
    assert impl.world.started == [(0, "S0"), (1, "S1"), (2, "S2"), (0, "S0")]
    assert impl.world.start_peers and set(impl.world.start_peers) <= {"S0", "S1", "S2"}


def test_crash1_orphans_the_old_persister():
    seen = {}

    async def body(t):
        cfg = await make_config(t, 3, False, False)
        old = cfg.rafts[2].raw
        old.persister.save(b"before crash", None)
        cfg.crash1(2)
        old.persister.save(b"written by the dead incarnation", b"snap")
        cfg.start1(2, cfg.applier)
        seen["state"] = cfg.rafts[2].raw.persister.read_raft_state()
        seen["log_size"] = cfg.log_size()
    assert run(adhoc(body), fake_impl()).passed
    assert seen == {"state": b"before crash", "log_size": len(b"before crash")}


# --- failures of student code and of time -----------------------------------------------------------------------

def test_an_exception_in_make_fails_the_test_naming_peer_and_time():
    class Template(FakeRaft):
        def __init__(self, *args):
            raise NotImplementedError("make() is yours to write")
    result = run("TestInitialElection2A", fake_impl(raft_class=Template))
    assert result.message.startswith("S0 at 0.000 s: raft.make() raised NotImplementedError: make() is yours "
                                     "to write")
    assert "in __init__" in result.message   # the student's traceback, without the tester's frames


def test_an_exception_in_get_state_fails_the_test_naming_peer_and_time():
    def state(me):
        if me == 1:
            raise KeyError("role")
        return 1, me == 0
    result = run("TestInitialElection2A", fake_impl(state=state))
    assert re.match(r"S1 at 0\.\d{3} s: Raft\.get_state\(\) raised KeyError: 'role'", result.message)


def test_an_exception_in_a_background_task_fails_the_test_naming_peer_and_time():
    class Crashy(FakeRaft):
        def __init__(self, *args):
            super().__init__(*args)
            if self.me == 2:
                asyncio.create_task(self._boom())

        async def _boom(self):
            await asyncio.sleep(1.5)
            raise ValueError("boom")
    result = run("TestInitialElection2A", fake_impl(raft_class=Crashy))
    assert result.message.startswith("S2 at 1.500 s:") and "ValueError: boom" in result.message


def test_an_exception_in_an_rpc_handler_fails_the_test_naming_peer_and_time():
    class BadHandler(FakeRaft):
        def __init__(self, *args):
            super().__init__(*args)
            if self.me == 0:
                asyncio.create_task(self._ask())

        async def _ask(self):
            await asyncio.sleep(0.5)
            await self.peers[1].call("Raft.request_vote", 3)

        def request_vote(self, args):
            raise IndexError("list index out of range")
    result = run("TestInitialElection2A", fake_impl(raft_class=BadHandler))
    assert result.message.startswith("S1 at 0.505 s: handler Raft.request_vote raised IndexError"), result.message


def test_an_async_start_is_refused_with_a_clear_message():
    class AsyncStart(FakeRaft):
        async def start(self, command):
            return 1, 1, True
    result = run("TestBasicAgree2B", fake_impl(raft_class=AsyncStart))
    assert result.message.startswith("S1 at 0.000 s: Raft.start() returned an awaitable; it must be a plain `def`")


def test_a_test_over_120_virtual_seconds_fails():
    async def body(t):
        await make_config(t, 3, False, False)
        await asyncio.sleep(130)
    result = run(adhoc(body), fake_impl())
    assert result.message.startswith("test took longer than 120 seconds")
    assert result.virtual_s == pytest.approx(120.0)


def test_a_failing_tester_goroutine_fails_the_test_at_once():
    async def body(t):
        cfg = await make_config(t, 3, False, False)
        t.go(cfg.one(1, 3, False))   # nothing commits: fails after 2 s, while the body sleeps on
        await asyncio.sleep(50)
    result = run(adhoc(body), fake_impl(commit=False))
    assert result.message.splitlines()[0] == "one(1) failed to reach agreement"   # Go's line; the tester's follow
    assert 2.0 <= result.virtual_s < 2.1
