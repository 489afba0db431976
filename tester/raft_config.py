"""The Raft test harness: Go's raft/config.go in Python, helper for helper, with the same semantics and messages.

    cfg = await make_config(t, n, unreliable, snapshot)   n peers, all started and connected; long delays on;
                                                          registers cfg.cleanup() with t (Go's defer)
    cfg.begin(description) / cfg.end()    print the title / the "  ... Passed --" line (virtual seconds, peers,
                                          RPCs, bytes, commands) plus the real seconds and the seed
    cfg.crash1(i)                         kill peer i (its tasks too); its persister is orphaned and copied
    cfg.start1(i, applier)                (re)start peer i as a new incarnation: new ends, new Peer(f"S{i}");
                                          applier is cfg.applier or cfg.applier_snap; does not connect
    cfg.connect(i) / cfg.disconnect(i)    attach / detach peer i's incoming and outgoing ends
    await cfg.check_one_leader() -> i     10 rounds of 450-549 ms: the leader with the highest term
    cfg.check_terms() -> term             every connected peer reports the same term (-1 if none connected)
    cfg.check_no_leader()                 no connected peer claims to lead
    cfg.n_committed(index) -> (count, cmd)
    await cfg.wait(index, n, start_term) -> cmd | -1   at least n peers applied index (-1: a term moved on)
    await cfg.one(cmd, expected_servers, retry) -> index   full agreement on one command
    cfg.applied_at(index, cmd=None) -> text   a line per peer: what it applied at index, crashed, disconnected (the
                                          failures of one, wait and n_committed add it under Go's line)
    await cfg.applier(i, apply_ch) / await cfg.applier_snap(i, apply_ch)   the tester's apply_ch readers
    cfg.ingest_snap(i, snapshot, index) -> error text ("" if fine)
    cfg.check_timeout()                   the 120 s (virtual) per-test limit
    cfg.cleanup()                         kill everything, close the network, check the time limit
    cfg.log_size() -> int                 the largest persisted raft state
    cfg.set_unreliable(u), cfg.set_long_reordering(b), cfg.rpc_count(i), cfg.rpc_total(), cfg.bytes_total()
    cfg.rafts[i]                          RaftHandle (None when crashed): get_state(), start(cmd), snapshot(index,
                                          data), kill() called as peer S{i}; .raw is the student's object (in-process
                                          runs only)
    cfg.connected[i], cfg.n, cfg.net, cfg.logs[i] (index -> command applied by i), cfg.peers[i]
    cfg.timeline                          the run's tester.timeline recorder (replay --html) or None: crashes,
                                          starts, links, network modes, applies and snapshots are reported to it
    randstring(n), rand.int(), rand.int31(), rand.int63()   the tester's randomness (stream "tester")
    same(a, b)                            Go interface equality: same type and equal value
    RAFT_ELECTION_TIMEOUT = 1.0, SNAPSHOT_INTERVAL = 10, TEST_TIME_LIMIT = 120.0

Three safety invariants are checked in every test, from what the harness sees (tester.invariants, cfg.invariants):
one leader per term over every get_state(), applied indices increasing within an incarnation, no snapshot moving
applied state back; a violation fails the test at once naming the peer, both observations and their times.
Any fatal error raises TestFailure with the Go message as its first line (lines under it may say what the tester
saw); an error found by an applier fails the test at once (t.fail_now). Student code is always called as its own
peer (tester.student_calls.call_as), so an exception in it fails the test with the peer and the virtual time in the
message; so does a result of the wrong type (get_state's (int, bool), start's (int, int, bool), an ApplyMsg's
fields; a bool is no int), showing the value returned. Where student code runs (a process of its own, or this one)
is t.students' business (tester.students): the harness reads the same either way.
"""

from __future__ import annotations

import asyncio
import base64
import time

import labrpc
from labrpc import ApplyMsg, Network, Persister
from labrpc.errors import show

from tester import timeline
from tester.invariants import Invariants
from tester.testing import T, TestFailure

RAFT_ELECTION_TIMEOUT = 1.0   # seconds (Go's RaftElectionTimeout): the tests' unit of sleeping
SNAPSHOT_INTERVAL = 10        # applier_snap snapshots after every 10th command
TEST_TIME_LIMIT = 120.0       # virtual seconds per test (check_timeout; also the run's hard limit)


class _GoRand:
    """Go's math/rand calls used by the tests, drawn from the tester's own stream (not Python's global random,
    which student code may use): the network's and the student's draws never shift the test's workload."""

    @staticmethod
    def int() -> int:
        return labrpc.random_stream("tester").getrandbits(63)

    @staticmethod
    def int63() -> int:
        return labrpc.random_stream("tester").getrandbits(63)

    @staticmethod
    def int31() -> int:
        return labrpc.random_stream("tester").getrandbits(31)


rand = _GoRand()


def randstring(n: int) -> str:
    data = labrpc.random_stream("tester").randbytes(2 * n)
    return base64.urlsafe_b64encode(data).decode()[:n]


def same(a, b) -> bool:
    return type(a) is type(b) and a == b


class RaftHandle:
    """The tester's view of one Raft peer: each call runs as that peer and fails the test clearly if it breaks.
    call(what, method, *args) makes the call, in this process or on the student side (tester.students); .raw is
    the student's object when it lives in this process, else None. .invariants, once the harness sets it, sees
    every get_state() answer (Election Safety across the whole test: tester.invariants)."""

    def __init__(self, peer: labrpc.Peer, call, raw=None):
        self.peer, self._call, self.raw = peer, call, raw
        self.invariants: Invariants | None = None
        self._timeline = timeline.active()   # the run's recorder (raftlab replay --html), else None

    def get_state(self, watched: bool = True) -> tuple[int, bool]:
        """(term, is_leader). watched=False: the caller reports the answer to .invariants itself, after its own
        checks (check_one_leader, so that Go's "term T has 2 (>1) leaders" comes first)."""
        result = self._call("Raft.get_state", "get_state")
        term, is_leader = self._typed(result, "Raft.get_state", (("term", int), ("is_leader", bool)))
        if watched and self.invariants is not None:
            self.invariants.saw_state(self.peer, term, is_leader)
        if self._timeline is not None:
            self._timeline.state(self.peer, term, is_leader)
        return term, is_leader

    def start(self, command) -> tuple[int, int, bool]:
        result = self._call("Raft.start", "start", command)
        return self._typed(result, "Raft.start", (("index", int), ("term", int), ("is_leader", bool)))

    def snapshot(self, index: int, snapshot: bytes) -> None:
        self._call("Raft.snapshot", "snapshot", index, snapshot)

    def kill(self) -> None:
        self._call("Raft.kill", "kill")

    def _typed(self, result, what: str, fields: tuple[tuple[str, type], ...]) -> tuple:
        """result, if it is the tuple the API promises (Go's typed results: a string "True" or a list is no
        answer); else a failure naming the peer, the call, the value returned and what is wrong with it."""
        promise = (f"({', '.join(name for name, _ in fields)}), a tuple of "
                   f"({', '.join(kind.__name__ for _, kind in fields)})")
        if not isinstance(result, tuple):
            problem = f"it is of type {type(result).__name__}"
        elif len(result) != len(fields):
            problem = f"it has {len(result)} item{'' if len(result) == 1 else 's'}"
        else:
            problem = _wrong_types(zip(fields, result))
            if not problem:
                return tuple(result)
        raise TestFailure(f"{self.peer.name} at {labrpc.now():.3f} s: {what}() returned {show(result)}; it must "
                          f"return {promise}, but {problem}")


def _is_a(value, kind: type) -> bool:
    """isinstance, except that a bool is no int: Go's int and bool are distinct types, and a term of True is a bug."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


_MISSING = object()   # a field the object does not have


def _a_value(value) -> str:
    """ "the str 'True'": a value and its type, for a message."""
    if value is _MISSING:
        return "missing"
    return "None" if value is None else f"the {type(value).__name__} {show(value)}"


def _wrong_types(named_values) -> str:
    """ "is_leader is the str 'True', term is None" for each ((name, type), value) whose value is not of its type
    (_is_a); "" if all are."""
    return ", ".join(f"{name} is {_a_value(value)}" for (name, kind), value in named_values if not _is_a(value, kind))


async def make_config(t: T, n: int, unreliable: bool, snapshot: bool) -> Config:
    cfg = Config(t, n)
    t.cfg = cfg
    t.defer(cfg.cleanup)   # Go: defer cfg.cleanup()
    cfg.set_unreliable(unreliable)
    cfg.net.long_delays(True)
    applier = cfg.applier_snap if snapshot else cfg.applier
    for i in range(n):
        cfg.logs[i] = {}
        cfg.start1(i, applier)
    for i in range(n):
        cfg.connect(i)
    return cfg


class Config:
    def __init__(self, t: T, n: int):
        self.t, self.n = t, n
        self.net = Network()
        self.apply_err = [""] * n
        self.rafts: list[RaftHandle | None] = [None] * n
        self.peers: list[labrpc.Peer | None] = [None] * n
        self.connected = [False] * n
        self.saved: list[Persister | None] = [None] * n
        self.endnames: list[list[str] | None] = [None] * n
        self.logs: list[dict] = [{} for _ in range(n)]   # logs[i][index] = command that peer i applied
        self.last_applied = [0] * n
        self.appliers: list[asyncio.Task | None] = [None] * n
        self.start = labrpc.now()
        self.finished = False
        self.t0 = self.start            # begin(): virtual and real start, counters at the start
        self.real_t0 = time.perf_counter()
        self.rpcs0 = self.bytes0 = self.cmds0 = 0
        self.max_index = self.max_index0 = 0
        self.invariants = Invariants()   # checked in every test: tester.invariants
        self.timeline = timeline.active()   # the run's recorder (raftlab replay --html), else None

    # --- peers
    def crash1(self, i: int) -> None:
        """Shut peer i down but keep its persisted state, as Go's crash1."""
        self.disconnect(i)
        self.net.delete_server(i)   # disable client connections to the server
        # A fresh persister, in case the old instance continues to update the old one; copy its content so
        # that Make() always gets the last persisted state.
        if self.saved[i] is not None:
            self.saved[i] = self.saved[i].copy()
        rf = self.rafts[i]
        if rf is not None:
            rf.kill()
            self.peers[i].kill()    # Go's Kill() only sets a flag; here the incarnation's tasks really stop
            self.rafts[i] = None
            if self.timeline is not None:
                self.timeline.crashed(i)
            # Nothing can arrive on the dead incarnation's apply_ch any more. Its applier stops too: left waiting,
            # it would be garbage-collected mid-await, and a message it read after a restart would be checked
            # against the new incarnation's last_applied.
            self.appliers[i].cancel()
        if self.saved[i] is not None:
            raft_log, snapshot = self.saved[i].read_raft_state(), self.saved[i].read_snapshot()
            self.saved[i] = Persister()
            self.saved[i].save(raft_log, snapshot)

    def start1(self, i: int, applier) -> None:
        """Start or restart peer i as a new incarnation. It is not connected: call connect(i) afterwards."""
        self.crash1(i)
        # A fresh set of outgoing end names, so that the old crashed instance's ends can't send.
        self.endnames[i] = [randstring(20) for _ in range(self.n)]
        ends = [self.net.make_end(name) for name in self.endnames[i]]
        for j, name in enumerate(self.endnames[i]):
            self.net.connect(name, j)
        self.last_applied[i] = 0
        # A fresh persister, so the old instance doesn't overwrite the new instance's persisted state.
        if self.saved[i] is not None:
            self.saved[i] = self.saved[i].copy()
            snapshot = self.saved[i].read_snapshot()
            if snapshot:
                # Mimic the KV server and process the snapshot now (ideally Raft would send it on apply_ch).
                err = self.ingest_snap(i, snapshot, -1)
                if err:
                    self.t.fatalf(err)
        else:
            self.saved[i] = Persister()
        peer = self.peers[i] = self.t.students.new_peer(f"S{i}")
        # Every task Raft creates, and its RPC handlers, belong to this incarnation. Its service is registered as
        # "Raft" whatever the class is called (a mutant subclass, a student's RaftPeer): in Go the service name is
        # the type name, which is always Raft, and peers call "Raft.request_vote".
        self.rafts[i], apply_ch, server = self.t.students.make_raft(peer, ends, i, self.saved[i])
        self.rafts[i].invariants = self.invariants
        self.appliers[i] = self.t.go(applier(i, apply_ch), name=f"applier S{i}")   # the tester's, not the peer's
        self.net.add_server(i, server)
        if self.timeline is not None:
            self.timeline.started(i)

    def connect(self, i: int) -> None:
        self.connected[i] = True
        for j in range(self.n):   # outgoing ends
            if self.connected[j]:
                self.net.enable(self.endnames[i][j], True)
        for j in range(self.n):   # incoming ends
            if self.connected[j]:
                self.net.enable(self.endnames[j][i], True)
        if self.timeline is not None:
            self.timeline.connected(self.connected)

    def disconnect(self, i: int) -> None:
        self.connected[i] = False
        for j in range(self.n):   # outgoing ends
            if self.endnames[i] is not None:
                self.net.enable(self.endnames[i][j], False)
        for j in range(self.n):   # incoming ends
            if self.endnames[j] is not None:
                self.net.enable(self.endnames[j][i], False)
        if self.timeline is not None:
            self.timeline.connected(self.connected)

    # --- network knobs and counters
    def set_unreliable(self, unrel: bool) -> None:
        self.net.reliable(not unrel)
        if self.timeline is not None:
            self.timeline.network(unreliable=unrel)

    def set_long_reordering(self, long_rel: bool) -> None:
        self.net.long_reordering(long_rel)
        if self.timeline is not None:
            self.timeline.network(long_reordering=long_rel)

    def rpc_count(self, server: int) -> int:
        return self.net.get_count(server)

    def rpc_total(self) -> int:
        return self.net.get_total_count()

    def bytes_total(self) -> int:
        return self.net.get_total_bytes()

    def log_size(self) -> int:
        return max((p.raft_state_size() for p in self.saved if p is not None), default=0)

    # --- the appliers: the tester's readers of apply_ch
    def check_logs(self, i: int, m: ApplyMsg) -> tuple[str, bool]:
        err_msg = ""
        v = m.command
        for j in range(len(self.logs)):
            if m.command_index in self.logs[j] and not same(old := self.logs[j][m.command_index], v):
                # some server has already committed a different value for this entry!
                err_msg = f"commit index={m.command_index} server={i} {show(m.command)} != server={j} {show(old)}"
        prevok = (m.command_index - 1) in self.logs[i]
        self.logs[i][m.command_index] = v
        if self.timeline is not None:
            self.timeline.applied(i, m.command_index)
        if m.command_index > self.max_index:
            self.max_index = m.command_index
        return err_msg, prevok

    async def applier(self, i: int, apply_ch: asyncio.Queue) -> None:
        """Check that the commands applied by peer i agree with what the others applied (2A-2C)."""
        while True:
            m = _apply_msg(i, await apply_ch.get())
            if not m.command_valid:
                continue   # ignore other types of ApplyMsg
            err_msg, prevok = self.check_logs(i, m)
            if m.command_index > 1 and not prevok:
                err_msg = f"server {i} apply out of order {m.command_index}"
            if err_msg:
                self._apply_error(i, err_msg)
            self.invariants.saw_apply(self.peers[i], m.command_index)   # after Go's checks: their message first

    def ingest_snap(self, i: int, snapshot: bytes | None, index: int) -> str:
        if snapshot is None:
            self.t.fatalf("nil snapshot")
        try:
            last_included_index, xlog = labrpc.decode(snapshot)
            if not isinstance(last_included_index, int) or not isinstance(xlog, list):
                raise ValueError("not (index, log)")
        except Exception:
            self.t.fatalf("snapshot decode error")
        if index != -1 and index != last_included_index:
            return f"server {i} snapshot doesn't match m.SnapshotIndex"
        self.logs[i] = {j: command for j, command in enumerate(xlog)}
        self.last_applied[i] = last_included_index
        if self.timeline is not None:
            self.timeline.snapshot(i, last_included_index, "installed" if index != -1 else "restored")
        return ""

    async def applier_snap(self, i: int, apply_ch: asyncio.Queue) -> None:
        """The 2D applier (2023): strict order, installs snapshots, and snapshots every SNAPSHOT_INTERVAL commands
        by calling rf.snapshot() itself, from this task, as Go's applierSnap does from its goroutine."""
        rf = self.rafts[i]
        if rf is None:
            return   # crashed again before this applier first ran: nothing will ever arrive
        while True:
            m = _apply_msg(i, await apply_ch.get())
            err_msg = ""
            if m.snapshot_valid:
                err_msg = self.ingest_snap(i, m.snapshot, m.snapshot_index)
                if not err_msg:
                    self.invariants.saw_snapshot(self.peers[i], m.snapshot_index)
            elif m.command_valid:
                if m.command_index != self.last_applied[i] + 1:
                    err_msg = (f"server {i} apply out of order, expected index {self.last_applied[i] + 1}, "
                               f"got {m.command_index}")
                if not err_msg:
                    err_msg, prevok = self.check_logs(i, m)
                    if m.command_index > 1 and not prevok:
                        err_msg = f"server {i} apply out of order {m.command_index}"
                if not err_msg:   # after Go's checks: their message first
                    self.invariants.saw_apply(self.peers[i], m.command_index)
                self.last_applied[i] = m.command_index
                if (m.command_index + 1) % SNAPSHOT_INTERVAL == 0:
                    xlog = [self.logs[i].get(j) for j in range(m.command_index + 1)]
                    if self.timeline is not None:
                        self.timeline.snapshot(i, m.command_index, "taken")
                    rf.snapshot(m.command_index, labrpc.encode([m.command_index, xlog]))
            if err_msg:
                self._apply_error(i, err_msg)

    def _apply_error(self, i: int, err_msg: str) -> None:
        self.apply_err[i] = err_msg
        raise TestFailure(f"apply error: {err_msg}")   # t.go turns it into t.fail_now: the test stops at once

    # --- checks
    @timeline.recorded_check
    async def check_one_leader(self) -> int:
        for _ in range(10):
            ms = 450 + rand.int63() % 100
            await asyncio.sleep(ms / 1000)
            leaders: dict[int, list[int]] = {}
            for i in range(self.n):
                if self.connected[i]:
                    term, leader = self.rafts[i].get_state(watched=False)
                    if leader:
                        leaders.setdefault(term, []).append(i)
            last_term_with_leader = -1
            for term, ids in leaders.items():
                if len(ids) > 1:
                    self.t.fatalf(f"term {term} has {len(ids)} (>1) leaders")
                if term > last_term_with_leader:
                    last_term_with_leader = term
            for term, ids in leaders.items():   # Go's check first; then Election Safety across the whole test
                self.invariants.saw_state(self.peers[ids[0]], term, True)
            if leaders:
                return leaders[last_term_with_leader][0]
        self.t.fatalf("expected one leader, got none")

    @timeline.recorded_check
    def check_terms(self) -> int:
        term = -1
        for i in range(self.n):
            if self.connected[i]:
                xterm, _ = self.rafts[i].get_state()
                if term == -1:
                    term = xterm
                elif term != xterm:
                    self.t.fatalf("servers disagree on term")
        return term

    @timeline.recorded_check
    def check_no_leader(self) -> None:
        for i in range(self.n):
            if self.connected[i]:
                _, is_leader = self.rafts[i].get_state()
                if is_leader:
                    self.t.fatalf(f"expected no leader among connected servers, but {i} claims to be leader")

    def n_committed(self, index: int) -> tuple[int, object]:
        count, cmd = 0, None
        for i in range(len(self.rafts)):
            if self.apply_err[i]:
                self.t.fatalf(self.apply_err[i])
            if index in self.logs[i]:
                cmd1 = self.logs[i][index]
                if count > 0 and not same(cmd, cmd1):
                    self.t.fatalf(f"committed values do not match: index {index}, {show(cmd)}, {show(cmd1)}\n"
                                  f"{self.applied_at(index)}")
                count += 1
                cmd = cmd1
        return count, cmd

    @timeline.recorded_check
    async def wait(self, index: int, n: int, start_term: int):
        to = 0.010
        for _ in range(30):
            nd, _ = self.n_committed(index)
            if nd >= n:
                break
            await asyncio.sleep(to)
            if to < 1.0:
                to *= 2
            if start_term > -1:
                for r in self.rafts:
                    if r is not None and r.get_state()[0] > start_term:
                        # someone has moved on; can no longer guarantee that we'll "win"
                        return -1
        nd, cmd = self.n_committed(index)
        if nd < n:
            self.t.fatalf(f"only {nd} decided for index {index}; wanted {n}\n{self.applied_at(index)}")
        return cmd

    @timeline.recorded_check
    async def one(self, cmd, expected_servers: int, retry: bool) -> int:
        """Do a complete agreement on cmd; return its index. Tries every connected peer until one accepts."""
        t0 = labrpc.now()
        starts = 0
        accepted = None   # the last start() that took cmd: (server, index, term, when), for the failure message
        while labrpc.now() - t0 < 10 and not self.finished:
            # try all the servers, maybe one is the leader.
            index = -1
            for _ in range(self.n):
                starts = (starts + 1) % self.n
                rf = self.rafts[starts] if self.connected[starts] else None
                if rf is not None:
                    index1, term1, ok = rf.start(cmd)
                    if ok:
                        index = index1
                        accepted = (starts, index1, term1, labrpc.now())
                        break
            if index != -1:
                # somebody claimed to be the leader and to have submitted our command; wait a while for agreement.
                t1 = labrpc.now()
                while labrpc.now() - t1 < 2:
                    nd, cmd1 = self.n_committed(index)
                    if nd > 0 and nd >= expected_servers and same(cmd1, cmd):
                        return index   # committed, and it was the command we submitted
                    await asyncio.sleep(0.020)
                if not retry:
                    self.t.fatalf(self._no_agreement(cmd, expected_servers, accepted))
            else:
                await asyncio.sleep(0.050)
        if not self.finished:
            self.t.fatalf(self._no_agreement(cmd, expected_servers, accepted))
        return -1

    def _no_agreement(self, cmd, expected_servers: int, accepted) -> str:
        """Go's "one(cmd) failed to reach agreement", then what the tester saw: which start() took the command, how
        many servers applied its index and what each holds there."""
        go = f"one({show(cmd)}) failed to reach agreement"
        if accepted is None:
            connected = [f"S{i}" for i in range(self.n) if self.connected[i] and self.rafts[i] is not None]
            return (f"{go}\n  no start() accepted it: each returned is_leader=False (connected servers: "
                    f"{', '.join(connected) or 'none'})")
        server, index, term, when = accepted
        count = sum(index in log for log in self.logs)
        return (f"{go}\n  the last start() to accept it: S{server} at {when:.3f} s, index {index}, term {term}; index "
                f"{index} applied by {count} server(s), {expected_servers} wanted:\n{self.applied_at(index, cmd)}")

    def applied_at(self, index: int, cmd=None) -> str:
        """A line per peer, for a failure message: what it applied at index (marked when that is not cmd), or how far
        it applied; crashed or disconnected."""
        lines = []
        for i in range(self.n):
            notes = ["crashed"] if self.rafts[i] is None else [] if self.connected[i] else ["disconnected"]
            if index in self.logs[i]:
                held = self.logs[i][index]
                if cmd is not None and not same(held, cmd):
                    notes.insert(0, f"not {show(cmd)}")
                text = show(held)
            else:
                text, last = f"nothing at index {index}", max(self.logs[i], default=0)
                notes.insert(0, f"applied up to {last}" if last else "applied nothing yet")
            lines.append(f"  S{i}: {text}" + (f" ({'; '.join(notes)})" if notes else ""))
        return "\n".join(lines)

    # --- a test's life
    def begin(self, description: str) -> None:
        self.t.begin(description)
        self.t0 = labrpc.now()
        self.rpcs0, self.bytes0 = self.rpc_total(), self.bytes_total()
        self.cmds0 = 0
        self.max_index0 = self.max_index

    def counters(self) -> tuple[int, int]:
        """(RPCs, bytes) since begin, as in the Passed line."""
        return self.rpc_total() - self.rpcs0, self.bytes_total() - self.bytes0

    def end(self) -> None:
        self.check_timeout()
        if not self.t.failed:
            nrpc, nbytes = self.counters()
            ncmds = self.max_index - self.max_index0   # number of Raft agreements reported
            self.t.passed(f"  {labrpc.now() - self.t0:4.1f}  {self.n:d} {nrpc:4d} {nbytes:7d} {ncmds:4d}")

    def check_timeout(self) -> None:
        if not self.t.failed and labrpc.now() - self.start > TEST_TIME_LIMIT:
            self.t.fatalf(f"test took longer than {TEST_TIME_LIMIT:.0f} seconds")

    def cleanup(self) -> None:
        self.finished = True
        for i, rf in enumerate(self.rafts):
            if rf is not None:
                rf.kill()
                self.peers[i].kill()
        self.net.cleanup()
        self.check_timeout()


# What an ApplyMsg's fields must be (Go's struct is typed): always, for a command, for a snapshot (whose snapshot
# may be None: ingest_snap fails it with Go's "nil snapshot").
_APPLY_FLAGS = (("command_valid", bool), ("snapshot_valid", bool))
_APPLY_COMMAND = (("command_index", int),)
_APPLY_SNAPSHOT = (("snapshot", bytes), ("snapshot_term", int), ("snapshot_index", int))


def _apply_msg(i: int, m) -> ApplyMsg:
    """m, if it is an ApplyMsg whose fields have the types the API promises; else the failure, naming the field."""
    if not hasattr(m, "command_valid") or not hasattr(m, "snapshot_valid"):
        raise TestFailure(f"S{i} at {labrpc.now():.3f} s: apply_ch received {show(m)}; send labrpc.ApplyMsg "
                          f"objects on apply_ch")
    fields = _APPLY_FLAGS + (_APPLY_COMMAND if m.command_valid is True else ()) \
        + (_APPLY_SNAPSHOT if m.snapshot_valid is True and getattr(m, "snapshot", _MISSING) is not None else ())
    problem = _wrong_types(((name, kind), getattr(m, name, _MISSING)) for name, kind in fields)
    if problem:
        raise TestFailure(f"S{i} at {labrpc.now():.3f} s: apply_ch received {show(m)}, but {problem}; an ApplyMsg "
                          f"holds command_valid: bool, command_index: int, snapshot_valid: bool, snapshot: bytes, "
                          f"snapshot_term: int, snapshot_index: int")
    return m
