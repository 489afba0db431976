"""Your clerk: the KV service's client library (lab 3). Fill in every TODO.

make_clerk(servers) -> Clerk         servers: one ClientEnd per KV server (in no particular order: the tester
                                     shuffles them, so servers[k] need not be server k)
await Clerk.get(key) -> str          the current value for key, "" if it does not exist
await Clerk.put(key, value)          replace the value for key
await Clerk.append(key, value)       append value to key's value (an append to a missing key acts like a put)
nrand() -> int                       a random 62-bit integer, handy for a client id

Every call must keep trying, forever, until some server has executed the operation: requests and replies get
lost, servers crash, restart and get cut off, and only the leader can execute anything. The tester makes one
call at a time on a clerk, and waits for it to return before it makes the next.
"""
from __future__ import annotations

import asyncio  # noqa: F401  (you will sleep between rounds of retries: await asyncio.sleep(...))
import random

import labrpc  # noqa: F401  (labrpc.dlog(...) for debug lines)

from .common import ERR_NO_KEY, ERR_WRONG_LEADER, OK, GetArgs, GetReply, PutAppendArgs  # noqa: F401


def nrand() -> int:
    """A random 62-bit integer (Go's nrand()). `random` is seeded by the tester, so a replayed run draws the same
    numbers."""
    return random.getrandbits(62)


class Clerk:
    def __init__(self, servers):
        self.servers = servers
        # TODO (3A): you will have to add state here.

    async def get(self, key: str) -> str:
        """Fetch the current value for a key. Returns "" if the key does not exist. Keeps trying forever in the
        face of all other errors.

        You can send an RPC with code like this:
            reply = await self.servers[i].call("KVServer.get", GetArgs(key))
        reply is None when no reply came back (the request or the reply was lost, the server is dead or cut
        off); otherwise it is a copy of the GetReply the server's handler returned. A server that is not the
        leader answers at once, so after asking every server in vain, sleep a little before the next round.
        """
        # TODO (3A)
        raise NotImplementedError("Clerk.get: write the clerk's get (3A), in kvraft/client.py")

    async def put_append(self, key: str, value: str, op: str) -> None:
        """Shared by put and append; op is "Put" or "Append".

        You can send an RPC with code like this:
            reply = await self.servers[i].call("KVServer.put_append", PutAppendArgs(key, value, op))
        A Put or Append must take effect exactly once, even when you send it again because a reply got lost.
        """
        # TODO (3A)
        raise NotImplementedError("Clerk.put_append: write the clerk's put_append (3A), in kvraft/client.py")

    async def put(self, key: str, value: str) -> None:
        await self.put_append(key, value, "Put")

    async def append(self, key: str, value: str) -> None:
        await self.put_append(key, value, "Append")


def make_clerk(servers) -> Clerk:
    """Create a clerk talking to these servers."""
    ck = Clerk(servers)
    # TODO (3A): you'll have to add code here.
    return ck
