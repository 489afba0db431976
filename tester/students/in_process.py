"""Student code in the tester's own process: for debugging (pdb, breakpoint(), profilers) and for the harness's own
tests with fake implementations. NOT isolated: student code can reach and change everything here.

    InProcessStudents(impl)       impl: a tester.impl.Impl (its modules are imported into this process)
    The calls the harness makes (the same as IsolatedStudents'): attach(), new_peer(name), make_raft(...),
    start_kv_server(...), make_clerk(...), close(); see tester.students.
"""

from __future__ import annotations

import asyncio
import functools
import inspect

import labrpc
from labrpc import Server, Service

from tester.kv_config import ClerkHandle, KVServerHandle
from labrpc.errors import show, wrong_start
from tester.raft_config import RaftHandle
from tester.student_calls import call_as, student_error
from tester.testing import TestFailure


def _start(peer: labrpc.Peer, what: str, fn, *args):
    made = call_as(peer, what, fn, *args)
    wrong = wrong_start(what, made)
    if wrong:
        raise TestFailure(f"{peer.name} at {labrpc.now():.3f} s: {wrong}")
    return made


def _call(raw, peer: labrpc.Peer, what: str, method: str, *args):
    return call_as(peer, what, getattr(raw, method), *args)


class InProcessStudents:
    mode = "in-process"

    def __init__(self, impl):
        self.impl = impl

    def attach(self) -> None:
        """Nothing to start: the student's modules live here."""

    def new_peer(self, name: str) -> labrpc.Peer:
        return labrpc.Peer(name)

    def make_raft(self, peer: labrpc.Peer, ends, me: int, persister):
        apply_ch: asyncio.Queue = asyncio.Queue(maxsize=1)
        with peer.active():   # handlers run as this incarnation
            server = Server()
        raw = _start(peer, "raft.make", self.impl.raft.make, ends, me, persister, apply_ch)
        server.add_service(Service(raw, name="Raft"))
        return RaftHandle(peer, functools.partial(_call, raw, peer), raw), apply_ch, server

    def start_kv_server(self, peer: labrpc.Peer, ends, me: int, persister, maxraftstate: int):
        kv = _start(peer, "kvraft.start_kv_server", self.impl.kvraft.start_kv_server, ends, me, persister,
                    maxraftstate)
        server = Server(peer=peer)
        server.add_service(Service(kv, name="KVServer"))
        server.add_service(Service(kv.rf, name="Raft"))
        return (KVServerHandle(peer, functools.partial(_call, kv, peer), kv),
                RaftHandle(peer, functools.partial(_call, kv.rf, peer), kv.rf), server)

    def make_clerk(self, peer: labrpc.Peer, ends) -> ClerkHandle:
        raw = _start(peer, "kvraft.make_clerk", self.impl.kvraft.make_clerk, ends)
        return ClerkHandle(peer, functools.partial(_clerk_op, raw, peer), raw)

    def close(self) -> None:
        """Nothing to stop."""


async def _clerk_op(raw, peer: labrpc.Peer, method: str, *args):
    what = f"Clerk.{method}({', '.join(map(repr, args))})"
    try:
        with peer.active():   # the task below, and all it starts, belongs to the clerk
            coro = getattr(raw, method)(*args)
            if not inspect.isawaitable(coro):
                raise TestFailure(f"{peer.name} at {labrpc.now():.3f} s: {what} returned {show(coro)} at once; "
                                  f"Clerk.{method} must be an `async def`")
            task = asyncio.ensure_future(coro)
        return await task
    except (TestFailure, asyncio.CancelledError):
        raise
    except Exception as exc:
        raise student_error(peer, what, exc) from exc
