"""The KV server: a key/value state machine replicated with Raft (Go server.go).

start_kv_server(servers, me, persister, maxraftstate) -> KVServer   start a server and its Raft; returns at once
KVServer.start_kv_server(servers, me, persister, maxraftstate)      the same, as a classmethod: a subclass (a
                                                                    variant in tests/mutants/) starts itself
KVServer.rf                          its Raft peer: the tester reads its state and serves its RPCs
KVServer.kill()
KVServer.get(args: GetArgs) -> GetReply                   RPC handlers ("KVServer.get", "KVServer.put_append")
KVServer.put_append(args: PutAppendArgs) -> PutAppendReply
Op(kind, key, value, client_id, seq)                      a log entry: one clerk operation

A handler puts its operation in the Raft log and waits until the applier, which applies committed entries in log
order, reaches its index. Every server applies the same entries in the same order, so all hold the same data.
maxraftstate bounds Raft's persisted state: near it, the server snapshots its state and Raft drops the log
prefix the snapshot covers (-1: never snapshot).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import NamedTuple

import labrpc
import raft

from .common import APPEND, ERR_NO_KEY, ERR_WRONG_LEADER, GET, OK, PUT, GetArgs, GetReply, PutAppendArgs, PutAppendReply


class Op(NamedTuple):
    """One clerk operation. It goes into the Raft log as a plain tuple, which the lab codec encodes in half the
    bytes of a class instance (about 60 rather than 117), and faster: Raft persists and sends every entry, and
    maxraftstate counts those bytes."""
    kind: str        # GET, PUT or APPEND
    key: str
    value: str
    client_id: int
    seq: int


@dataclass
class Applied:
    """What the applier tells the handlers waiting on one log index: the entry found there, and its result."""
    op: Op
    err: str
    value: str


class KVServer:
    # A leader cut off from the majority keeps its term, and so never learns that it lost: its handlers give up
    # after this long, and the clerk tries the other servers.
    APPLY_TIMEOUT = 1.0
    # How often a waiting handler checks whether its term is over (its entry may then never be applied).
    TERM_CHECK_INTERVAL = 0.1
    # Snapshot once Raft's persisted state reaches this fraction of maxraftstate.
    SNAPSHOT_THRESHOLD = 0.9

    @classmethod
    def start_kv_server(cls, servers, me: int, persister, maxraftstate: int) -> KVServer:
        kv = cls(servers, me, persister, maxraftstate)
        kv._applier_task = asyncio.get_running_loop().create_task(kv._applier())
        return kv

    def __init__(self, servers, me: int, persister, maxraftstate: int):
        self.me, self.persister, self.maxraftstate = me, persister, maxraftstate
        self.dead = False
        # The state machine. A restart rebuilds it from the snapshot, then from the log entries Raft applies again.
        self.data: dict[str, str] = {}
        # Duplicate detection: the seq of the latest Put/Append applied, per clerk. A clerk makes one call at a time
        # with increasing seqs, so an op whose seq is not above it was applied already: a retry whose reply got
        # lost. It lives in the snapshot, since the log entries it summarises are gone after one.
        self.last_seq: dict[int, int] = {}
        self.last_applied = 0          # index of the last entry (or snapshot) applied to data
        self._waiters: dict[int, list[asyncio.Future]] = {}   # log index -> handlers waiting for it
        self._restore(persister.read_snapshot())
        self.apply_ch: asyncio.Queue = asyncio.Queue(maxsize=1)
        self.rf = self._make_raft(servers, me, persister)

    def _make_raft(self, servers, me: int, persister):
        return raft.make(servers, me, persister, self.apply_ch)

    def kill(self) -> None:
        self.dead = True
        self.rf.kill()
        self._applier_task.cancel()

    # ---- RPC handlers ----

    async def get(self, args: GetArgs) -> GetReply:
        """Reads go through the log like writes: a leader cut off in a minority does not know that it lost, and
        its data may be stale. The entry commits only with a majority, which holds every completed write."""
        err, value = await self._replicate(Op(GET, args.key, "", args.client_id, args.seq))
        return GetReply(err, value)

    async def put_append(self, args: PutAppendArgs) -> PutAppendReply:
        err, _ = await self._replicate(Op(args.op, args.key, args.value, args.client_id, args.seq))
        return PutAppendReply(err)

    async def _replicate(self, op: Op) -> tuple[str, str]:
        """Start op in the log and wait for its result; ERR_WRONG_LEADER if we cannot tell the clerk it executed."""
        if self.dead:
            return ERR_WRONG_LEADER, ""
        index, term, is_leader = self.rf.start(tuple(op))
        if not is_leader:
            return ERR_WRONG_LEADER, ""
        labrpc.dlog("KV", "%s %r (client %d seq %d) at index %d term %d", op.kind, op.key, op.client_id, op.seq,
                    index, term)
        applied = await self._wait_for_apply(index, term, op)
        if applied is None:
            return ERR_WRONG_LEADER, ""
        return applied.err, applied.value

    async def _wait_for_apply(self, index: int, term: int, op: Op) -> Applied | None:
        """Wait until the entry at index is applied and return its result, or None to give up: if a new leader
        put another entry there, if our term ended (the entry may never commit, or commit unseen, so the clerk
        must retry elsewhere; duplicate detection makes that safe), or after APPLY_TIMEOUT."""
        applied = self._applied_future(index)
        deadline = labrpc.now() + self.APPLY_TIMEOUT
        while not applied.done():
            await asyncio.wait([applied], timeout=self.TERM_CHECK_INTERVAL)
            if not applied.done() and (self.dead or self.rf.get_state()[0] != term or labrpc.now() >= deadline):
                labrpc.dlog("KV", "give up waiting for index %d (term %d)", index, term)
                return None
        result = applied.result()
        return result if result is not None and result.op == op else None

    def _applied_future(self, index: int) -> asyncio.Future:
        """A future the applier resolves when it applies index: with an Applied, or None if a snapshot skips it."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(index, []).append(future)
        return future

    def _notify(self, index: int, applied: Applied | None) -> None:
        for future in self._waiters.pop(index, []):
            if not future.done():
                future.set_result(applied)

    # ---- the applier: the state machine ----

    async def _applier(self) -> None:
        while not self.dead:
            msg = await self.apply_ch.get()
            if msg.snapshot_valid:
                self._install_snapshot(msg.snapshot_index, msg.snapshot)
            elif msg.command_valid:
                self._apply_entry(msg.command_index, Op(*msg.command))
                self._snapshot_if_log_too_big()

    def _apply_entry(self, index: int, op: Op) -> None:
        if index <= self.last_applied:
            return  # covered by a snapshot we installed meanwhile
        self.last_applied = index
        err, value = self._execute(op)
        self._notify(index, Applied(op, err, value))

    def _execute(self, op: Op) -> tuple[str, str]:
        if op.kind == GET:
            return (OK, self.data[op.key]) if op.key in self.data else (ERR_NO_KEY, "")
        if self._is_duplicate(op):
            labrpc.dlog("KV", "skip duplicate %s (client %d seq %d)", op.kind, op.client_id, op.seq)
            return OK, ""
        if op.kind == PUT:
            self.data[op.key] = op.value
        elif op.kind == APPEND:
            self.data[op.key] = self.data.get(op.key, "") + op.value
        self.last_seq[op.client_id] = op.seq
        return OK, ""

    def _is_duplicate(self, op: Op) -> bool:
        return op.seq <= self.last_seq.get(op.client_id, 0)

    # ---- snapshots ----

    def _snapshot_if_log_too_big(self) -> None:
        if self.maxraftstate != -1 and self.persister.raft_state_size() >= self.SNAPSHOT_THRESHOLD * self.maxraftstate:
            labrpc.dlog("SNAP", "snapshot through %d (raft state %d bytes)", self.last_applied,
                        self.persister.raft_state_size())
            self.rf.snapshot(self.last_applied, self._snapshot_state())

    def _snapshot_state(self) -> bytes:
        """The whole state machine, and nothing else: the data and the duplicate table (a few bytes per clerk)."""
        return labrpc.encode([self.last_applied, self.data, self.last_seq])

    def _restore(self, snapshot: bytes) -> None:
        if snapshot:
            self.last_applied, self.data, self.last_seq = labrpc.decode(snapshot)

    def _install_snapshot(self, index: int, snapshot: bytes) -> None:
        """A snapshot from the leader replaces our state, if it is newer. The handlers waiting on entries it
        covers cannot learn whether theirs is among them: they give up, and the clerks retry."""
        if index <= self.last_applied:
            return
        labrpc.dlog("SNAP", "install snapshot through %d", index)
        self._restore(snapshot)
        self.last_applied = index
        for waiting in [i for i in self._waiters if i <= index]:
            self._notify(waiting, None)


def start_kv_server(servers, me: int, persister, maxraftstate: int) -> KVServer:
    return KVServer.start_kv_server(servers, me, persister, maxraftstate)
