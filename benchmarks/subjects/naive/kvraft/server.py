"""The naive KV server: ops as dataclasses in the log, a handler waits on a per-index queue with a timeout.

start_kv_server(servers, me, persister, maxraftstate) -> KVServer
KVServer.get(args) -> GetReply, KVServer.put_append(args) -> PutAppendReply, KVServer.kill()
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import labrpc
import raft

from .common import ERR_NO_KEY, ERR_WRONG_LEADER, OK, GetReply, PutAppendReply

WAIT_TIMEOUT = 0.5   # give up on an index after this long (a leader cut off from the majority never learns)


@dataclass
class Op:
    kind: str
    key: str
    value: str
    client_id: int
    seq: int


@dataclass
class Result:
    client_id: int
    seq: int
    err: str
    value: str


class KVServer:
    """One replica: data, duplicate table, and a queue per log index that a waiting handler reads."""

    def __init__(self, me, maxraftstate, persister):
        self.me = me
        self.maxraftstate = maxraftstate
        self.persister = persister
        self.dead = False
        self.data = {}
        self.last_seq = {}
        self.last_applied = 0
        self.channels = {}   # log index -> Queue(maxsize=1) of the Result applied there
        self.apply_ch = None
        self.rf = None
        self.task = None

    async def get(self, args):
        err, value = await self.submit(Op("Get", args.key, "", args.client_id, args.seq))
        return GetReply(err, value)

    async def put_append(self, args):
        err, _ = await self.submit(Op(args.op, args.key, args.value, args.client_id, args.seq))
        return PutAppendReply(err)

    async def submit(self, op):
        index, term, is_leader = self.rf.start(op)
        if not is_leader:
            return ERR_WRONG_LEADER, ""
        channel = self.channels.setdefault(index, asyncio.Queue(maxsize=1))
        try:
            result = await asyncio.wait_for(channel.get(), WAIT_TIMEOUT)
        except asyncio.TimeoutError:
            return ERR_WRONG_LEADER, ""
        finally:
            if self.channels.get(index) is channel:
                del self.channels[index]
        if result.client_id != op.client_id or result.seq != op.seq:
            return ERR_WRONG_LEADER, ""
        return result.err, result.value

    async def applier(self):
        while not self.dead:
            msg = await self.apply_ch.get()
            if msg.snapshot_valid:
                if msg.snapshot_index > self.last_applied:
                    self.restore(msg.snapshot)
                    self.last_applied = msg.snapshot_index
                continue
            if not msg.command_valid or msg.command_index <= self.last_applied:
                continue
            self.last_applied = msg.command_index
            result = self.apply(msg.command)
            channel = self.channels.get(msg.command_index)
            if channel is not None and channel.empty():
                channel.put_nowait(result)
            if self.maxraftstate != -1 and self.persister.raft_state_size() >= self.maxraftstate:
                self.rf.snapshot(self.last_applied, labrpc.encode([self.data, self.last_seq]))

    def apply(self, op):
        result = Result(op.client_id, op.seq, OK, "")
        if op.kind == "Get":
            if op.key in self.data:
                result.value = self.data[op.key]
            else:
                result.err = ERR_NO_KEY
        elif op.seq > self.last_seq.get(op.client_id, 0):
            if op.kind == "Put":
                self.data[op.key] = op.value
            else:
                self.data[op.key] = self.data.get(op.key, "") + op.value
            self.last_seq[op.client_id] = op.seq
        return result

    def restore(self, snapshot):
        if snapshot:
            self.data, self.last_seq = labrpc.decode(snapshot)

    def kill(self):
        self.dead = True
        self.rf.kill()
        if self.task is not None:
            self.task.cancel()


def start_kv_server(servers, me, persister, maxraftstate):
    """Start a server, its Raft and its applier task; restore the snapshot first."""
    kv = KVServer(me, maxraftstate, persister)
    kv.restore(persister.read_snapshot())
    kv.apply_ch = asyncio.Queue(maxsize=1)
    kv.rf = raft.make(servers, me, persister, kv.apply_ch)
    kv.last_applied = kv.rf.last_included_index
    kv.task = asyncio.create_task(kv.applier())
    return kv
