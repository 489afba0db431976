"""The KV test harness: Go's kvraft/config.go in Python, helper for helper, with the same semantics and messages.

    cfg = await make_config(t, n, unreliable, maxraftstate)   n KV servers started and all connected; reliable
                                          unless unreliable; no long delays; registers cfg.cleanup() with t
    cfg.start_server(i)                   (re)start server i as a new incarnation Peer(f"S{i}"): fresh ends, a copy
                                          of its persister; does not connect it
    cfg.shutdown_server(i)                disconnect i, delete it from the network, copy its persister, kill it
    cfg.connect_all() / cfg.partition(p1, p2)   server-to-server links only: clerks' ends are not touched
    cfg.make_partition() -> (p1, p2)      p1 a majority without the leader; p2 the rest, the leader last
    cfg.all() -> [0..n-1]                 every server
    cfg.make_client(to) -> ClerkHandle    a clerk Peer(f"C{k}") with shuffled ends to every server, only those
                                          to the servers in `to` enabled
    cfg.delete_client(ck)                 forget the clerk (its ends stay enabled, as in Go) and stop its tasks
    cfg.connect_client(ck, to) / cfg.disconnect_client(ck, frm)   enable / disable the clerk's ends to servers
    cfg.log_size() / cfg.snapshot_size()  the largest persisted raft state / snapshot over all servers
    cfg.begin(description), cfg.op(), cfg.end()   title; count one clerk operation (more than ZERO_TIME_OPS_LIMIT
                                          at one virtual instant fail the test: the clock would never move);
                                          "  ... Passed --" line with virtual seconds, peers, RPCs (clients'
                                          included), ops, plus real seconds
    cfg.timestamp() -> float              virtual seconds for an op's call/return stamp, strictly increasing
    cfg.annotations() -> [Annotation]     the faults injected so far (partitions, shutdowns), for the history view
    cfg.check_timeout(), cfg.cleanup(), cfg.counters() -> (rpcs, bytes) since begin (for run_one)
    ck.get(key) -> str, ck.put(key, value), ck.append(key, value)   the student's Clerk, run as the clerk's peer
    ck.raw (the student's Clerk, in-process runs only), ck.peer; cfg.clerks[ck] = its end names, index j leading to
                                          server j
    cfg.kvservers[i] (a KVServerHandle or None), cfg.rafts[i] (its .rf as a RaftHandle), cfg.saved[i]
    cfg.timeline                          the run's tester.timeline recorder (replay --html) or None: shutdowns,
                                          starts, partitions, clerk links and every clerk operation go to it

Every get_state() the harness makes is checked for Election Safety (tester.invariants). Every call into student
code runs as its peer, so logs are labelled and a crash kills exactly that incarnation; an
exception in it fails the test with the peer, the virtual time and the call in the message.
"""

from __future__ import annotations

import labrpc
from labrpc import Network, Persister

from tester import timeline
from tester.invariants import Invariants
from tester.porcupine import Annotation
from tester.raft_config import TEST_TIME_LIMIT, RaftHandle, randstring, show
from tester.testing import T, TestFailure

ZERO_TIME_OPS_LIMIT = 1000   # clerk operations completed at one virtual instant before the test is failed


async def make_config(t: T, n: int, unreliable: bool, maxraftstate: int) -> Config:
    cfg = Config(t, n, maxraftstate)
    t.cfg = cfg
    t.defer(cfg.cleanup)   # Go: defer cfg.cleanup()
    for i in range(n):
        cfg.start_server(i)
    cfg.connect_all()
    cfg.net.reliable(not unreliable)
    if cfg.timeline is not None:
        cfg.timeline.network(unreliable=unreliable)
    return cfg


class ClerkHandle:
    """The tester's view of one student Clerk: op(method, *args) runs Clerk.<method> as a task of the clerk's own
    peer (in this process or on the student side, tester.students) and returns its result; .raw is the student's
    Clerk when it lives in this process, else None."""

    def __init__(self, peer: labrpc.Peer, op, raw=None):
        self.peer, self._op, self.raw = peer, op, raw
        recorder = timeline.active()   # the run's recorder (raftlab replay --html): it sees each op, call to return
        if recorder is not None:
            self._op = recorder.clerk_op(peer, op)

    def __repr__(self) -> str:
        return f"ClerkHandle({self.peer.name})"

    async def get(self, key: str) -> str:
        value = await self._op("get", key)
        if not isinstance(value, str):
            raise TestFailure(f"{self.peer.name} at {labrpc.now():.3f} s: Clerk.get({key!r}) returned {show(value)}; "
                              f"it must return the value as a str (\"\" for a missing key)")
        return value

    async def put(self, key: str, value: str) -> None:
        await self._op("put", key, value)

    async def append(self, key: str, value: str) -> None:
        await self._op("append", key, value)


class KVServerHandle:
    """The tester's view of one KVServer: kill(), run as its peer; .raw as for ClerkHandle."""

    def __init__(self, peer: labrpc.Peer, call, raw=None):
        self.peer, self._call, self.raw = peer, call, raw

    def kill(self) -> None:
        self._call("KVServer.kill", "kill")


class Config:
    def __init__(self, t: T, n: int, maxraftstate: int):
        self.t, self.n, self.maxraftstate = t, n, maxraftstate
        self.net = Network()   # reliable, short delays: Go's kvraft config never turns on long delays
        self.kvservers: list[KVServerHandle | None] = [None] * n
        self.rafts: list[RaftHandle | None] = [None] * n
        self.peers: list[labrpc.Peer | None] = [None] * n
        self.saved: list[Persister | None] = [None] * n
        self.endnames: list[list[str] | None] = [None] * n
        self.clerks: dict[ClerkHandle, list[str]] = {}
        self.clerks_made = 0            # names the clerks' peers C0, C1, ... (Go's nextClientId is never used)
        self.start = labrpc.now()
        self.t0 = self.start            # begin(): virtual start, counters at the start
        self.rpcs0 = self.bytes0 = 0
        self.ops = 0
        self._last_op_time, self._ops_at_instant = -1.0, 0
        self._last_stamp = float("-inf")
        self._notes: list[Annotation] = []
        self._open_partition: tuple[float, str] | None = None   # the partition in force: (since, text)
        self._down_since: dict[int, float] = {}                 # server -> virtual time it was shut down
        self.invariants = Invariants()   # Election Safety over every get_state(): tester.invariants
        self.timeline = timeline.active()   # the run's recorder (raftlab replay --html), else None

    # --- servers
    def all(self) -> list[int]:
        return list(range(self.n))

    def shutdown_server(self, i: int) -> None:
        """Shut server i down, keeping its persisted state (Go ShutdownServer)."""
        self._disconnect(i, self.all())
        # Disable client connections to the server. It's important to do this before creating the new Persister
        # in saved[i], to avoid the possibility of the server returning a positive reply to an Append but
        # persisting the result in the superseded Persister.
        self.net.delete_server(i)
        # A fresh persister, in case the old instance continues to update the Persister, but with a copy of the
        # old persister's content so that we always pass start_kv_server() the last persisted state.
        if self.saved[i] is not None:
            self.saved[i] = self.saved[i].copy()
        kv = self.kvservers[i]
        if kv is not None:
            kv.kill()
            self.peers[i].kill()   # Go's Kill() only sets a flag; here the incarnation's tasks really stop
            self.kvservers[i] = self.rafts[i] = None
            if self.timeline is not None:
                self.timeline.crashed(i)
            self._down_since[i] = labrpc.now()

    def start_server(self, i: int) -> None:
        """Start server i as a new incarnation. It is not connected: use connect_all or partition afterwards."""
        if self.kvservers[i] is not None:
            raise TestFailure(f"harness misuse: start_server({i}) while S{i} is running; shutdown_server({i}) first")
        # A fresh set of outgoing end names, so that the old incarnation's ends can't send.
        self.endnames[i] = [randstring(20) for _ in range(self.n)]
        ends = [self.net.make_end(name) for name in self.endnames[i]]
        for j, name in enumerate(self.endnames[i]):
            self.net.connect(name, j)
        # A fresh persister, so the old instance doesn't overwrite the new instance's persisted state; it holds a
        # copy of the old one's, so start_kv_server() gets the last persisted state.
        self.saved[i] = self.saved[i].copy() if self.saved[i] is not None else Persister()
        peer = self.peers[i] = self.t.students.new_peer(f"S{i}")
        # Both services' handlers (KVServer and its Raft) run as this incarnation.
        self.kvservers[i], self.rafts[i], server = self.t.students.start_kv_server(peer, ends, i, self.saved[i],
                                                                                   self.maxraftstate)
        self.rafts[i].invariants = self.invariants
        self.net.add_server(i, server)
        if self.timeline is not None:
            self.timeline.started(i)
        if i in self._down_since:
            since = self._down_since.pop(i)
            self._notes.append(Annotation(since, f"S{i} shut down, restarted at {labrpc.now():.1f} s", i,
                                          labrpc.now()))

    # --- the servers' network
    def _connect(self, i: int, to: list[int]) -> None:
        for j in to:   # outgoing ends
            self.net.enable(self.endnames[i][j], True)
        for j in to:   # incoming ends
            self.net.enable(self.endnames[j][i], True)

    def _disconnect(self, i: int, frm: list[int]) -> None:
        for j in frm:   # outgoing ends
            if self.endnames[i] is not None:
                self.net.enable(self.endnames[i][j], False)
        for j in frm:   # incoming ends (Go checks endnames[j] with the loop index here: a harmless slip)
            if self.endnames[j] is not None:
                self.net.enable(self.endnames[j][i], False)

    def connect_all(self) -> None:
        for i in range(self.n):
            self._connect(i, self.all())
        self._note_partition(None)
        if self.timeline is not None:
            self.timeline.groups([self.all()])

    def partition(self, p1: list[int], p2: list[int]) -> None:
        """Sets up two partitions with connectivity between servers in each partition."""
        for i in p1:
            self._disconnect(i, p2)
            self._connect(i, p1)
        for i in p2:
            self._disconnect(i, p1)
            self._connect(i, p2)
        self._note_partition(f"partition {list(p1)} | {list(p2)}")
        if self.timeline is not None:
            self.timeline.groups([p1, p2])

    def leader(self) -> tuple[bool, int]:
        for i in range(self.n):
            _, is_leader = self.rafts[i].get_state()
            if is_leader:
                return True, i
        return False, 0

    def make_partition(self) -> tuple[list[int], list[int]]:
        """Partition the servers in two groups with the current leader in the minority."""
        _, l = self.leader()
        p1 = [0] * (self.n // 2 + 1)
        p2 = [0] * (self.n // 2)
        j = 0
        for i in range(self.n):
            if i != l:
                if j < len(p1):
                    p1[j] = i
                else:
                    p2[j - len(p1)] = i
                j += 1
        p2[-1] = l
        return p1, p2

    # --- clerks
    def make_client(self, to: list[int]) -> ClerkHandle:
        """Create a clerk with a fresh set of ends to every server, shuffled, the ones to `to` enabled."""
        endnames = [randstring(20) for _ in range(self.n)]
        ends = [self.net.make_end(name) for name in endnames]
        for j, name in enumerate(endnames):
            self.net.connect(name, j)
        peer = self.t.students.new_peer(f"C{self.clerks_made}")
        self.clerks_made += 1
        ck = self.t.students.make_clerk(peer, random_handles(ends))
        self.clerks[ck] = endnames
        self.connect_client(ck, to)
        return ck

    def delete_client(self, ck: ClerkHandle) -> None:
        # Go leaves the ends enabled; a deleted clerk is never used again, so its leftover tasks are stopped.
        self.clerks.pop(ck, None)
        ck.peer.kill()

    def connect_client(self, ck: ClerkHandle, to: list[int]) -> None:
        for j in to:
            self.net.enable(self._clerk_ends(ck)[j], True)
        if self.timeline is not None:
            self.timeline.clerk_links(ck.peer.name, to, True)

    def disconnect_client(self, ck: ClerkHandle, frm: list[int]) -> None:
        for j in frm:
            self.net.enable(self._clerk_ends(ck)[j], False)
        if self.timeline is not None:
            self.timeline.clerk_links(ck.peer.name, frm, False)

    def _clerk_ends(self, ck: ClerkHandle) -> list[str]:
        if ck not in self.clerks:
            raise TestFailure(f"harness misuse: {ck!r} was deleted (or made by another config)")
        return self.clerks[ck]

    # --- sizes and counters
    def log_size(self) -> int:
        return max(p.raft_state_size() for p in self.saved)

    def snapshot_size(self) -> int:
        return max(p.snapshot_size() for p in self.saved)

    def rpc_total(self) -> int:
        return self.net.get_total_count()

    def counters(self) -> tuple[int, int]:
        """(RPCs, bytes) since begin, clients' RPCs included."""
        return self.rpc_total() - self.rpcs0, self.net.get_total_bytes() - self.bytes0

    def op(self) -> None:
        self.ops += 1
        # GenericTest's clients loop `while not done: op` with no sleep, as in Go, where each op costs real time.
        # Here computation is free and only RPCs and timers take virtual time: a clerk that answers without asking
        # the servers would keep the clock from ever reaching the end of the test's sleep. Fail, saying why.
        now = labrpc.now()
        self._ops_at_instant = self._ops_at_instant + 1 if now == self._last_op_time else 1
        self._last_op_time = now
        if self._ops_at_instant > ZERO_TIME_OPS_LIMIT:
            self.t.fatalf(f"{self._ops_at_instant} clerk operations completed at virtual time {now:.3f} s without "
                          f"the clock moving, so without a single RPC (each takes virtual time): the clerk must ask "
                          f"the servers. The test's clients loop until its sleep ends, which would never happen")

    def timestamp(self) -> float:
        """Now, in virtual seconds, nudged by a nanosecond if needed so that stamps strictly increase: many
        events share one virtual instant, yet happen in a real order, which the linearizability check must see
        (a Get called right after a Put returned, at the same virtual time, comes after it)."""
        self._last_stamp = max(labrpc.now(), self._last_stamp + 1e-9)
        return self._last_stamp

    # --- fault annotations for the history view
    def _note_partition(self, text: str | None) -> None:
        now = labrpc.now()
        if self._open_partition is not None:
            since, old = self._open_partition
            self._notes.append(Annotation(since, old, None, now))
        self._open_partition = (now, text) if text is not None else None

    def annotations(self) -> list[Annotation]:
        """The faults injected so far; those still in force end now."""
        now = labrpc.now()
        notes = list(self._notes)
        if self._open_partition is not None:
            notes.append(Annotation(self._open_partition[0], self._open_partition[1], None, now))
        notes += [Annotation(since, f"S{i} shut down", i, now) for i, since in sorted(self._down_since.items())]
        return sorted(notes, key=lambda a: a.time)

    # --- a test's life
    def begin(self, description: str) -> None:
        self.t.begin(description)
        self.t0 = labrpc.now()
        self.rpcs0, self.bytes0 = self.rpc_total(), self.net.get_total_bytes()
        self.ops = 0

    def end(self) -> None:
        self.check_timeout()
        if not self.t.failed and not self.t.unknown:   # an undecided check is no pass (run_one reports it)
            nrpc, _ = self.counters()
            self.t.passed(f"  {labrpc.now() - self.t0:4.1f}  {self.n:d} {nrpc:5d} {self.ops:4d}")

    def check_timeout(self) -> None:
        if not self.t.failed and labrpc.now() - self.start > TEST_TIME_LIMIT:
            self.t.fatalf(f"test took longer than {TEST_TIME_LIMIT:.0f} seconds")

    def cleanup(self) -> None:
        for i, kv in enumerate(self.kvservers):
            if kv is not None:
                kv.kill()
                self.peers[i].kill()
        for ck in self.clerks:
            ck.peer.kill()
        self.net.cleanup()
        self.check_timeout()


def random_handles(ends: list) -> list:
    """A shuffled copy (Go's inside-out Fisher-Yates), so that clerk slot k is not server k."""
    rng = labrpc.random_stream("tester")
    sa = list(ends)
    for i in range(len(sa)):
        j = rng.randrange(i + 1)
        sa[i], sa[j] = sa[j], sa[i]
    return sa
