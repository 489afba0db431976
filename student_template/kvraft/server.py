"""Your KV server: a key/value state machine replicated with your Raft (lab 3). Fill in every TODO.

start_kv_server(servers, me, persister, maxraftstate) -> KVServer    start a server and its Raft; returns at once
KVServer.rf                          its Raft peer: the tester reads rf.get_state() and serves rf's RPCs
KVServer.kill()                      the tester is done with this server
KVServer.get(args: GetArgs) -> GetReply                   RPC handlers, called by your clerk as "KVServer.get"
KVServer.put_append(args: PutAppendArgs) -> PutAppendReply   and "KVServer.put_append" (def or async def)

How it should work. A handler hands an Op to Raft with rf.start(op), then waits until the entry at the index
start() returned comes out of apply_ch; one task of your own reads apply_ch and applies every committed Op to
the data, in log order, so every server ends up with the same data. Gets go through the log too: a leader cut
off in a minority still believes it leads, and must not answer from data that may be stale.

What the tester checks, from the outside (spec §6.1):
  * every Put and Append takes effect exactly once, although your clerk re-sends it whenever a reply gets lost,
    the leader changes or servers restart: detect duplicates when you apply, not only in the handler;
  * a handler must not wait forever: if another entry shows up at its index (a new leader overwrote it), or
    rf.get_state() shows that the term changed, reply ERR_WRONG_LEADER and let the clerk retry elsewhere;
  * a leader cut off from the majority may not notice for a long time: give up waiting after a while too;
  * (3B) when persister.raft_state_size() nears maxraftstate bytes, snapshot the state (the data and whatever
    duplicate detection needs, nothing more: TestSnapshotSize3B wants at most 500 bytes) with
    rf.snapshot(index, labrpc.encode(...)); at maxraftstate == -1, never snapshot. Restore the state from
    persister.read_snapshot() when the server starts, and install snapshots that arrive on apply_ch
    (ApplyMsg.snapshot_valid). The duplicate detection state must be part of the snapshot.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import labrpc  # noqa: F401  (labrpc.encode / decode for snapshots, labrpc.dlog for debug lines)
import raft

from .common import ERR_NO_KEY, ERR_WRONG_LEADER, OK, GetArgs, GetReply, PutAppendArgs, PutAppendReply  # noqa: F401


@dataclass
class Op:
    """A log entry: what a handler asks Raft to agree on. TODO (3A): your definitions here. It travels through
    the lab codec (Raft persists it and sends it to the other peers), so keep it plain data."""


class KVServer:
    def __init__(self, me: int, maxraftstate: int):
        self.me = me
        self.maxraftstate = maxraftstate   # snapshot if the log grows this big (-1: never)
        self.dead = False                  # set by kill()
        self.apply_ch: asyncio.Queue | None = None
        self.rf = None
        # TODO (3A): your definitions here.

    async def get(self, args: GetArgs) -> GetReply:
        """Get RPC handler."""
        # TODO (3A)
        raise NotImplementedError("KVServer.get: write the Get handler (3A), in kvraft/server.py")

    async def put_append(self, args: PutAppendArgs) -> PutAppendReply:
        """PutAppend RPC handler."""
        # TODO (3A)
        raise NotImplementedError("KVServer.put_append: write the PutAppend handler (3A), in kvraft/server.py")

    def kill(self) -> None:
        """The tester calls kill() when this server will not be needed again (it also cancels the server's
        tasks). Long-running loops should check self.dead and stop. You're not required to do anything more
        here, but it may be convenient, for example to suppress debug output from a killed server."""
        self.dead = True
        self.rf.kill()
        # TODO: your code here, if any.


def start_kv_server(servers, me: int, persister, maxraftstate: int) -> KVServer:
    """servers[] are the ends of the set of servers that will cooperate via Raft to form the fault-tolerant
    key/value service; me is the index of the current server in servers[].

    The k/v server should store snapshots through the underlying Raft implementation, which should call
    persister.save() to save the Raft state along with the snapshot atomically. The k/v server should snapshot
    when Raft's saved state exceeds maxraftstate bytes, in order to allow Raft to garbage-collect its log. If
    maxraftstate is -1, you don't need to snapshot.

    start_kv_server() must return quickly, so it should start tasks (asyncio.create_task) for any long-running
    work; they belong to this server and are cancelled when the tester crashes it.
    """
    kv = KVServer(me, maxraftstate)
    # TODO: you may need initialization code here.
    kv.apply_ch = asyncio.Queue(maxsize=1)
    kv.rf = raft.make(servers, me, persister, kv.apply_ch)
    # TODO: you may need initialization code here.
    return kv
