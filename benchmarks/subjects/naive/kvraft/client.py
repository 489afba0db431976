"""The naive clerk: try the last leader, then every server in turn, forever.

make_clerk(servers) -> Clerk; await Clerk.get(key) -> str / put(key, value) / append(key, value)
"""
from __future__ import annotations

import asyncio
import random

from .common import ERR_NO_KEY, ERR_WRONG_LEADER, GetArgs, PutAppendArgs


class Clerk:
    """Numbers its operations (client_id, seq) so that the servers apply each Put/Append once."""

    def __init__(self, servers):
        self.servers = servers
        self.client_id = random.getrandbits(62)
        self.seq = 0
        self.leader = 0

    async def call(self, method, args):
        while True:
            for _ in range(len(self.servers)):
                reply = await self.servers[self.leader].call(method, args)
                if reply is not None and reply.err != ERR_WRONG_LEADER:
                    return reply
                self.leader = (self.leader + 1) % len(self.servers)
            await asyncio.sleep(0.05)

    async def get(self, key):
        self.seq += 1
        reply = await self.call("KVServer.get", GetArgs(key, self.client_id, self.seq))
        return "" if reply.err == ERR_NO_KEY else reply.value

    async def put_append(self, key, value, op):
        self.seq += 1
        await self.call("KVServer.put_append", PutAppendArgs(key, value, op, self.client_id, self.seq))

    async def put(self, key, value):
        await self.put_append(key, value, "Put")

    async def append(self, key, value):
        await self.put_append(key, value, "Append")


def make_clerk(servers):
    """A clerk talking to these servers."""
    return Clerk(servers)
