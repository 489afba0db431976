"""The fake network of the labs: Go labrpc's behaviour, on the simulation's clock and seed.

    net = Network()                       create inside labrpc.run(...); reliable, short delays at first
    end = net.make_end(name)              a client end: starts disabled and unconnected
    net.add_server(name, server)          (re)place the server called name
    net.delete_server(name)               the server is gone: calls to it fail
    net.connect(endname, servername)      where the end's calls go
    net.enable(endname, enabled)          a disabled end's calls fail, as if the wire were cut
    net.reliable(yes)                     no: 0-26 ms delay, 10 % of requests and 10 % of replies lost
    net.long_reordering(yes)              2/3 of replies held back 200-2199 ms
    net.long_delays(yes)                  a failed call takes 0-6999 ms to fail instead of 0-99 ms
    net.hold_replies(servername, s)       replies from that server are held back s seconds (0: not held), unless
                                          dropped or long-reordered: stale replies on demand (tester part 2X)
    net.reorder_requests(servername, yes) requests to that server are held back 0-2199 ms more at random, so that
                                          later ones overtake earlier ones (Go reorders replies only; part 2X)
    net.get_count(servername)             RPCs delivered to that server object
    net.get_total_count()                 every call made; net.get_total_bytes(): request + delivered reply bytes
    net.cleanup()                         later calls fail at once

    srv = Server(peer=None)               handlers run as this peer (default: the peer active at creation)
    srv.add_service(Service(obj))         service name = type(obj).__name__; handlers = its public methods
                                          taking one argument (args) and returning the reply (def or async def)
    reply = await end.call("Raft.request_vote", args)   a deep copy of the reply, or None if the call failed
    await net.carry(endname, svc_meth, request_bytes) -> reply bytes | None   the same, encoded (end.call uses it;
                                          so does the tester for calls the student side makes)
    srv.invoke(svc_meth, request_bytes, outcome=None) -> reply bytes | Future of them   run a handler (the
                                          network calls it); srv.fate_first: draw the reply's fate before
    net.epoch                             bumped by every change of links, servers, reliability or reordering

Each delivered request takes RPC_LATENCY (5 ms, virtual) on the wire, on top of Go's delays.
A handler that is still running when its server dies (deleted, replaced, disconnected, or its peer killed)
has its reply thrown away: the caller gets None within 100 ms (virtual) of the death, as in Go.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os

from labrpc.codec import EncodeError, decode, encode
from labrpc.errors import MisuseError, TaskCrashed, student_exception_text
from labrpc.sim import Peer, current_peer, current_simulation, where

_LABRPC_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
DEATH_CHECK_INTERVAL = 0.100   # how often a caller waiting on a slow handler checks that its server lives
# Every delivered request spends this long on the wire (virtual), before Go's delays. In Go, real CPU time passes
# between a call and its reply; on a virtual clock computation is free, so without it a client that loops over RPCs
# (the KV tests' clients do) could do unbounded work at one instant and the clock would never reach the test's next
# step. One wait per call, before the handler runs, keeps an RPC to one loop turn for the caller. 5 ms makes a KV
# op (clerk call + one AppendEntries round) take about 10 ms, near the 16 ms of Go's staff solution, so histories
# stay Go-sized, while TestSpeed3A's 33 ms per op and Regression1's 30 ms stay well within reach.
RPC_LATENCY = 0.005


class Service:
    def __init__(self, obj, name: str | None = None):
        self.name = name or type(obj).__name__
        self.methods = {}
        for attr in dir(type(obj)):
            if attr.startswith("_"):
                continue
            method = getattr(obj, attr, None)
            if callable(method) and _takes_one_argument(method):
                self.methods[attr] = method


def _takes_one_argument(method) -> bool:
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 1 and all(p.default is p.empty for p in positional)


class Server:
    fate_first = False   # draw a reply's fate before its handler runs (a server on the student side: see carry)

    def __init__(self, peer: Peer | None = None):
        self.peer = peer if peer is not None else current_peer()
        self.services: dict[str, Service] = {}
        self.count = 0   # RPCs dispatched to this object; a restarted server is a new object and starts at 0

    def add_service(self, service: Service) -> None:
        self.services[service.name] = service

    def _lookup(self, svc_meth: str):
        service_name, _, method_name = svc_meth.rpartition(".")
        service = self.services.get(service_name)
        if service is None:
            raise MisuseError(f"{where()}: call to {svc_meth!r}: unknown service {service_name!r}; this server "
                              f"has services {sorted(self.services)} (call 'Service.method')")
        method = service.methods.get(method_name)
        if method is None:
            raise MisuseError(f"{where()}: call to {svc_meth!r}: unknown method {method_name!r} of "
                              f"{service_name}; its RPC handlers are {sorted(service.methods)}")
        return method


    def invoke(self, svc_meth: str, request: bytes, outcome=None):
        """Run the handler of svc_meth on the encoded request, as this server's peer: the encoded reply, or a task
        that gives it (an async handler). (outcome: see Network._dispatch; a server elsewhere may use it.)
        A broken call (unknown method, a handler that raises, a reply that is
        not data) fails the run, naming the peer and the call. The student side (labrpc.host) serves its
        handlers with this too."""
        try:
            handler = self._lookup(svc_meth)
        except MisuseError as exc:
            raise _fail(exc) from None
        args = decode(request)
        as_peer = self.peer.active() if self.peer is not None else contextlib.nullcontext()
        try:
            with as_peer:
                reply = handler(args)
                if inspect.isawaitable(reply):   # an async handler runs as a task of the server's peer
                    task = asyncio.ensure_future(self._finish(svc_meth, reply))
                    if inspect.iscoroutine(reply):   # cancelled before it ran (its peer died): no "never awaited"
                        task.add_done_callback(lambda _: reply.close())
                    return task
        except Exception as exc:
            raise _fail(self._handler_error(svc_meth, exc)) from exc
        return self._encode_reply(svc_meth, reply)

    async def _finish(self, svc_meth: str, pending):
        try:
            reply = await pending
        except Exception as exc:
            raise _fail(self._handler_error(svc_meth, exc)) from exc
        return self._encode_reply(svc_meth, reply)

    def _handler_error(self, svc_meth: str, exc: Exception) -> TaskCrashed:
        # The student's frames only: the network's own (invoke, _finish) say nothing about the bug.
        text = student_exception_text(self._who(), f"handler {svc_meth}", exc, (_LABRPC_DIR,))
        return TaskCrashed(text, cause=exc)

    def _encode_reply(self, svc_meth: str, reply) -> bytes:
        try:
            return encode(reply)
        except EncodeError as exc:
            raise _fail(EncodeError(f"{self._who()}: reply of {svc_meth}: {exc}")) from None

    def _who(self) -> str:
        return f"{self.peer.name if self.peer is not None else 'server'} at {current_simulation().now():.3f} s"


class ClientEnd:
    def __init__(self, net: Network, name):
        self._net = net
        self.name = name

    def __repr__(self) -> str:
        return f"ClientEnd({self.name!r})"

    async def call(self, svc_meth: str, args):
        net = self._net
        if net._done:
            return None
        try:
            request = encode(args)
        except EncodeError as exc:
            raise _fail(EncodeError(f"{where()}: arguments of {svc_meth}: {exc}")) from None
        reply = await net.carry(self.name, svc_meth, request)
        return None if reply is None else decode(reply)


class Network:
    def __init__(self):
        self._sim = current_simulation()
        self._rand = self._sim.random_stream("network")
        self._reliable, self._long_delays, self._long_reordering = True, False, False
        self._held: dict = {}   # servername -> milliseconds its replies are held back (hold_replies)
        self._reordered: set = set()   # servernames whose requests are reordered (reorder_requests)
        self._ends: dict = {}
        self._enabled: dict = {}
        self._servers: dict = {}
        self._connections: dict = {}
        self._done = False
        self._count = 0
        self._bytes = 0
        # Bumped by every change that can decide a reply's fate (links, servers, reliability, reordering): a reply
        # whose handler finished under the epoch it was delivered in meets a network that has not changed since.
        self.epoch = 0

    # --- configuration, as in Go
    def reliable(self, yes: bool) -> None:
        self.epoch += 1
        self._reliable = bool(yes)

    def long_reordering(self, yes: bool) -> None:
        self.epoch += 1
        self._long_reordering = bool(yes)

    def hold_replies(self, servername, seconds: float) -> None:
        self.epoch += 1
        if seconds:
            self._held[servername] = round(seconds * 1000)
        else:
            self._held.pop(servername, None)

    def reorder_requests(self, servername, yes: bool) -> None:
        self.epoch += 1
        (self._reordered.add if yes else self._reordered.discard)(servername)

    def long_delays(self, yes: bool) -> None:
        self._long_delays = bool(yes)

    def make_end(self, name) -> ClientEnd:
        if name in self._ends:
            raise MisuseError(f"make_end: {name!r} already exists")
        end = self._ends[name] = ClientEnd(self, name)
        self._enabled[name] = False
        self._connections[name] = None
        return end

    def add_server(self, name, server: Server) -> None:
        self.epoch += 1
        self._servers[name] = server

    def delete_server(self, name) -> None:
        self.epoch += 1
        self._servers[name] = None

    def connect(self, endname, servername) -> None:
        self._check_end(endname, "connect")
        self._connections[endname] = servername

    def enable(self, endname, enabled: bool) -> None:
        self._check_end(endname, "enable")
        self.epoch += 1
        self._enabled[endname] = bool(enabled)

    def has_end(self, endname) -> bool:
        try:
            return endname in self._ends
        except TypeError:   # not hashable: not an end name
            return False

    def get_count(self, servername) -> int:
        server = self._servers.get(servername)
        if server is None:
            raise MisuseError(f"get_count({servername!r}): no such server (never added, or deleted)")
        return server.count

    def get_total_count(self) -> int:
        return self._count

    def get_total_bytes(self) -> int:
        return self._bytes

    def cleanup(self) -> None:
        self.epoch += 1
        self._done = True

    def _check_end(self, endname, what: str) -> None:
        if endname not in self._ends:
            raise MisuseError(f"{what}({endname!r}): no such end; create it with make_end first")

    # --- one call's journey
    async def carry(self, endname, svc_meth: str, request: bytes) -> bytes | None:
        """One call's journey, from the end named endname: the encoded reply, or None if the call failed."""
        # What the call sees of the network is fixed when it starts: enabling the end later does not revive it.
        self._count += 1
        self._bytes += len(request)
        enabled = self._enabled[endname]
        servername = self._connections[endname]
        server = self._servers.get(servername) if servername is not None else None
        reliable, long_reordering, rand, sim = self._reliable, self._long_reordering, self._rand, self._sim
        sim.record("send", endname, svc_meth, servername)
        if sim.recorder is not None:   # a run being drawn (tester.timeline); recording changes nothing in it
            sim.recorder.sent(endname, svc_meth, servername, request)
        if not (enabled and server is not None):
            # No reply ever comes: the caller times out after a while.
            delay = rand.randrange(7000) if self._long_delays else rand.randrange(100)
            sim.record("unreachable", endname, delay)
            await asyncio.sleep(delay / 1000)
            return None
        if reliable:
            await asyncio.sleep(RPC_LATENCY)
        else:
            delay = rand.randrange(27)
            sim.record("delay", endname, delay)
            await asyncio.sleep(RPC_LATENCY + delay / 1000)
            if rand.randrange(1000) < 100:
                sim.record("drop-request", endname)
                return None
        if servername in self._reordered:
            delay = rand.randrange(2200)
            sim.record("reorder-request", endname, delay)
            await asyncio.sleep(delay / 1000)
        # The reply's fate (dropped, held back, or straight back) is drawn after the handler ran, as in Go; a server
        # on the student side has it drawn before, so that the student side can hand an immediate outcome to the
        # caller itself (one exchange less per call): the same draws, in another order.
        fate = self._reply_fate(reliable, long_reordering, servername) if server.fate_first else None
        finished, reply = await self._dispatch(server, endname, servername, svc_meth, request,
                                               fate if fate in ("reply", "drop") else None)
        if not finished or self._is_dead(endname, servername, server):
            sim.record("lost-to-death", endname)
            return None
        fate = fate or self._reply_fate(reliable, long_reordering, servername)
        if fate == "drop":
            sim.record("drop-reply", endname)
            return None
        if fate != "reply":
            sim.record("reorder", endname, fate)
            await asyncio.sleep(fate / 1000)
        self._bytes += len(reply)
        if sim.recorder is not None:
            sim.recorder.replied(reply)
        sim.record("reply", endname, len(reply))
        return reply

    def _reply_fate(self, reliable: bool, long_reordering: bool, servername):
        """"drop", "reply" (at once), or the milliseconds it is held back (long reordering, hold_replies)."""
        rand = self._rand
        if not reliable and rand.randrange(1000) < 100:
            return "drop"
        if long_reordering and rand.randrange(900) < 600:
            return 200 + rand.randrange(1 + rand.randrange(2000))
        return self._held.get(servername, "reply")

    def _is_dead(self, endname, servername, server: Server) -> bool:
        return (not self._enabled[endname] or self._servers.get(servername) is not server
                or (server.peer is not None and not server.peer.alive))

    async def _dispatch(self, server: Server, endname, servername, svc_meth: str, request: bytes, outcome):
        """Run the handler as the server's peer. Returns (finished, encoded reply). outcome: "reply" or "drop" when
        the reply's fate is drawn already and immediate (if the server lives on), else None."""
        server.count += 1
        peer = server.peer
        if peer is not None and not peer.alive:
            return False, b""
        reply = server.invoke(svc_meth, request, outcome)
        if isinstance(reply, asyncio.Future):   # the handler is still running (async, or on the student side)
            task = reply
            while not task.done():
                await _done_or_timeout(task, DEATH_CHECK_INTERVAL)
                if not task.done() and self._is_dead(endname, servername, server):
                    task.add_done_callback(_retrieve)   # it may finish later; nobody wants its reply
                    return False, b""
            if task.cancelled() or task.exception() is not None:   # the failure is reported already
                return False, b""
            reply = task.result()
        return True, reply


def _done_or_timeout(task: asyncio.Future, timeout: float) -> asyncio.Future:
    """asyncio.wait((task,), timeout=timeout) without its generality: this wait is on the path of every RPC whose
    handler does not finish at once (all of them, when the handlers run on the student side)."""
    loop = task.get_loop()
    waiter = loop.create_future()
    timer = loop.call_later(timeout, _wake, waiter)
    task.add_done_callback(lambda _: (timer.cancel(), _wake(waiter)))
    return waiter


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _retrieve(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()


def _fail(error: Exception) -> Exception:
    """Errors in how the network is used end the run, even if the student's code catches them."""
    sim = current_simulation()
    sim.fail(error if isinstance(error, TaskCrashed | MisuseError) else TaskCrashed(str(error), cause=error))
    return error
