"""The clerk: the KV service's client library (Go client.go).

make_clerk(servers) -> Clerk         servers: one ClientEnd per KV server, in no particular order
await Clerk.get(key) -> str          the current value, "" if the key does not exist
await Clerk.put(key, value)          replace the value
await Clerk.append(key, value)       append to the value (an append to a missing key acts like a put)

Each call returns only once the service has executed it, retrying forever: past lost requests and replies, dead
or partitioned servers, and servers that are not (or no longer) the leader. A clerk makes one call at a time.
"""
from __future__ import annotations

import asyncio
import random

import labrpc

from .common import APPEND, ERR_NO_KEY, ERR_WRONG_LEADER, PUT, GetArgs, PutAppendArgs


class Clerk:
    # After asking every server once in vain (an election is going on, or we are cut off), wait this long before the
    # next round, rather than spin: a server that says ErrWrongLeader answers at once.
    RETRY_INTERVAL = 0.1

    def __init__(self, servers):
        self.servers = list(servers)
        self.client_id = random.getrandbits(62)  # Go's nrand(); `random` is seeded per run, so replays match
        self.seq = 0          # the seq of our latest operation: retries of one operation share it
        self.leader = 0       # the server that answered last: most likely still the leader

    async def get(self, key: str) -> str:
        reply = await self._call("KVServer.get", GetArgs(key, self.client_id, self._next_seq()))
        return "" if reply.err == ERR_NO_KEY else reply.value

    async def put(self, key: str, value: str) -> None:
        await self._put_append(key, value, PUT)

    async def append(self, key: str, value: str) -> None:
        await self._put_append(key, value, APPEND)

    async def _put_append(self, key: str, value: str, op: str) -> None:
        await self._call("KVServer.put_append", PutAppendArgs(key, value, op, self.client_id, self._next_seq()))

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    async def _call(self, method: str, args):
        """Send args to the leader we remember, then to each server in turn, until one executes it."""
        while True:
            for _ in range(len(self.servers)):
                reply = await self.servers[self.leader].call(method, args)
                if reply is not None and reply.err != ERR_WRONG_LEADER:
                    return reply
                labrpc.dlog("CLERK", "%s seq %d: server %d %s", method, args.seq, self.leader,
                            "gave no reply" if reply is None else "is not the leader")
                self.leader = (self.leader + 1) % len(self.servers)
            await asyncio.sleep(self.RETRY_INTERVAL)


def make_clerk(servers) -> Clerk:
    return Clerk(servers)
