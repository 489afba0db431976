"""The student side of a run: every object of a submission (Raft peers, KV servers, clerks) in a process of its own,
driven by the tester over the pipes of labrpc.wire (its docstring is the whole conversation).

    main(command_fd, report_fd, memory_limit)   serve one run; started by tester.students.process, never by hand
    python -s -S -u -c "import sys; sys.path.insert(0, STAGE); from labrpc.host import main; main(3, 4, LIMIT)"

The tester holds the clock. This process runs only when told to: a plain call (make, get_state, start...) runs at
once and is answered; "advance" lets the loop run up to the tester's next timer, through instants where nothing
leaves this process, and stops at the end of the first instant that produced something for the tester (an RPC, a
reply, an ApplyMsg, a persisted state). Both sides take turns, so a run is one sequence of events from one seed.

Nothing here is trusted: the verdict comes from what the tester sees cross the pipes. The guards below (no
threads, processes, sockets, signals, time.sleep or wall clock in student code) keep honest code deterministic
and tell a student what went wrong; the wall is the process boundary (and bubblewrap, when installed).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import importlib.machinery
import inspect
import os
import random
import signal
import sys
import threading
import traceback

from labrpc import sim as simulation
from labrpc import wire
from labrpc.guards import install_guards, real_monotonic, watchdog
from labrpc.errors import show, student_exception_text, wrong_start
from labrpc.logs import enable_logging
from labrpc.network import ClientEnd, Server, Service
from labrpc.persister import Persister

_LABRPC_DIR = os.path.dirname(os.path.abspath(__file__))
_ENTRY_POINTS = {"raft": "make", "kvraft": "start_kv_server"}


class _Outbox:
    """What this side has for the tester since its last report: events in order, and which persisters were saved
    (the tester fetches a persister's state only when it reads it: "persisted")."""

    def __init__(self):
        self.events: list = []
        self.saved: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.events or self.saved)

    def take(self) -> list:
        out = [("saved", key) for key in sorted(self.saved)] + self.events
        self.events, self.saved = [], set()
        return out


class _HostSimulation(simulation.Simulation):
    """The student side's view of the world: its clock follows the tester's; a failure is reported, and the tester
    ends the run (first failure wins there)."""

    def __init__(self, host: Host, seed: int, clock: str, schedule: str, start: float):
        super().__init__(seed, clock, schedule, None)
        self.host = host
        self.start = start

    def fail(self, error) -> None:
        self.host.fail(str(error))


class _HostSelector(simulation.SteppingSelector):
    """Idle means: hand the turn back to the tester (if this instant produced anything for it, or the next timer is
    past `until`) and serve its commands; otherwise jump (virtual clock) or sleep (real clock) to the next timer."""

    def __init__(self, host: Host, sim: _HostSimulation):
        super().__init__(sim)
        self._host = host

    def select(self, timeout=None):
        host = self._host
        sim = host.sim
        host.beat = real_monotonic()
        self.shuffle_ready()
        if timeout == 0:
            return []
        next_at = None if timeout is None else sim.loop.time() + timeout
        if host.outbox or next_at is None or next_at > host.until:
            host.serve()
        elif sim.clock == "virtual":
            sim.virtual_now = next_at
        else:
            host.waiting = True
            self._real.select(timeout)
            host.waiting, host.beat = False, real_monotonic()
        return []


class _WireNetwork:
    """What the student's ClientEnds talk to on this side: each call leaves as an output, and its reply (or None)
    comes back as an input when the tester's network is done with it."""

    _done = False

    def __init__(self, host: Host):
        self._host = host

    async def carry(self, endname, svc_meth: str, request: bytes) -> bytes | None:
        host = self._host
        host.last_call += 1
        call_id = host.last_call
        future = host.sim.loop.create_future()
        host.calls[call_id] = future
        peer = simulation.current_peer()
        host.outbox.events.append(("call", call_id, getattr(peer, "key", None), endname, svc_meth, request))
        try:
            return await future
        finally:
            host.calls.pop(call_id, None)


class _WiredPersister(Persister):
    """The student's Persister: it holds the state; each save is announced, and the tester fetches the state when
    it reads its own copy (a crash copies it then: what the dead incarnation saves later is orphaned)."""

    def __init__(self, host: Host, key: int, raft_state: bytes, snapshot: bytes):
        super().__init__()
        self._host, self._key = host, key
        self._raft_state, self._snapshot = raft_state, snapshot

    def save(self, raft_state, snapshot) -> None:
        super().save(raft_state, snapshot)
        self._host.outbox.saved.add(self._key)


class _ApplyForwarder:
    """apply_ch of one Raft peer: an asyncio.Queue(maxsize=1) as in the tester's own process. The tester's applier
    takes one message per credit, so the queue fills and put() blocks exactly when it would there."""

    def __init__(self, host: Host, key: int, peer: simulation.Peer):
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        self.credit = asyncio.Event()
        self.peer = peer
        self.task = host.sim.loop.create_task(self._forward(host, key), name=f"apply_ch of {peer.name}")

    async def _forward(self, host: Host, key: int) -> None:
        while True:
            await self.credit.wait()
            self.credit.clear()
            m = await self.queue.get()
            host.outbox.events.append(("apply", key, *_apply_fields(m)))


def _apply_fields(m) -> tuple[bytes | None, str]:
    if not hasattr(m, "command_valid") or not hasattr(m, "snapshot_valid"):
        return None, show(m)
    fields = (m.command_valid, m.command, getattr(m, "command_index", 0), m.snapshot_valid,
              getattr(m, "snapshot", b""), getattr(m, "snapshot_term", 0), getattr(m, "snapshot_index", 0))
    try:
        return wire.dumps(fields), ""
    except Exception as exc:
        return None, f"an ApplyMsg that is not data ({type(exc).__name__}: {exc})"


class Host:
    """The student side's state: the objects of the submission by the numbers the tester gave them, the calls in
    flight, and what goes back with the next report. run() serves one run until the tester kills the process."""

    def __init__(self, command_fd: int, report_fd: int):
        self.commands, self.report_fd = wire.CommandReader(command_fd), report_fd
        self.sim: _HostSimulation | None = None
        self.outbox = _Outbox()
        self.until = float("-inf")         # how far the current "advance" may run
        self.token = None                  # the tester's network epoch, for replies handed over here (_handled)
        self.in_advance = False            # an "advance" is in hand: its report is due when the loop stops
        self.first_command = None
        self.failed = False
        self.beat = real_monotonic()      # the watchdog's: when the loop last came back to select
        self.waiting = True                # blocked on the tester (or sleeping on the real clock): not busy
        self.calling: simulation.Peer | None = None   # the peer whose plain call (make, start...) runs now
        self.net = _WireNetwork(self)
        self.last_call = 0
        self.calls: dict[int, asyncio.Future] = {}
        self.peers: dict[int, simulation.Peer] = {}
        self.objects: dict[int, object] = {}
        self.owners: dict[int, simulation.Peer] = {}
        self.servers: dict[int, Server] = {}
        self.channels: dict[int, _ApplyForwarder] = {}
        self.persisters: dict[int, _WiredPersister] = {}
        self.modules: dict[str, object] = {}

    # --- the conversation
    def run(self) -> None:
        self.first_command = self.commands.next()
        kind, now, _, (body, *_) = self.first_command
        if kind != "load":
            raise SystemExit(f"raftlab student side: the first command must be 'load', not {kind!r}")
        self.sim = _HostSimulation(self, body["seed"], body["clock"], body["schedule"], body["start"])
        loop = simulation._SimLoop(self.sim, selector=_HostSelector(self, self.sim))
        self.sim.loop = loop
        self.sim.virtual_now = now
        simulation._current_sim = self.sim
        asyncio.set_event_loop(loop)
        random.seed(body["seed"])
        if body.get("topics") is not None:
            enable_logging(sys.stderr, topics=body["topics"] or None)
        if body.get("cpu") is not None:   # the tester's CPU: the two sides take turns (tester.students.isolated)
            try:
                os.sched_setaffinity(0, {body["cpu"]})
            except OSError:
                pass
        threading.Thread(target=watchdog, args=(self, body["busy_limit"], body.get("real_deadline"),
                                                 body.get("real_limit"), threading.get_ident()),
                         daemon=True, name="raftlab-student-watchdog").start()
        install_guards(self)
        loop.run_until_complete(loop.create_future())   # forever: the tester kills this process when it is done

    def serve(self) -> None:
        """Answer the command in hand, then take commands until one lets the loop run."""
        while True:
            if self.in_advance:
                self.in_advance = False
                self.report("ok", None)
            self.waiting = True
            command, self.first_command = self.first_command or self.commands.next(), None
            self.waiting, self.beat = False, real_monotonic()
            kind, now, inputs, body = command
            if self.sim.clock == "virtual":
                self.sim.virtual_now = max(self.sim.virtual_now, now)
            self.apply_inputs(inputs)
            if kind == "advance":
                self.until = float("inf") if body[0] is None else body[0]
                self.in_advance = True
                return
            try:
                status, result = "ok", getattr(self, f"do_{kind}")(*body)
            except _CallFailed as exc:
                status, result = "error", str(exc)
            self.report(status, result)

    def report(self, status: str, result) -> None:
        loop = self.sim.loop
        if loop._ready:
            wakeup = loop.time()
        elif loop._scheduled and not loop._scheduled[0].cancelled():   # the heap's first timer is the next one
            wakeup = loop._scheduled[0].when()
        else:
            wakeup = min((h.when() for h in loop._scheduled if not h.cancelled()), default=None)
        wire.send_frame(self.report_fd, (status, result, self.outbox.take(), wakeup, loop.time()))

    def fail(self, message: str) -> None:
        if not self.failed:
            self.failed = True
            self.outbox.events.append(("fail", message))

    def where(self, peer) -> str:
        return f"{peer.name if peer is not None else 'student side'} at {self.sim.now():.3f} s"

    # --- inputs
    def apply_inputs(self, inputs) -> None:
        for item in inputs:
            getattr(self, f"input_{item[0]}")(*item[1:])

    def input_reply(self, call_id: int, reply) -> None:
        future = self.calls.get(call_id)
        if future is not None and not future.done():
            future.set_result(reply)

    def input_epoch(self, token) -> None:
        self.token = token

    def input_deliver(self, req_id: int, server_key: int, svc_meth: str, request: bytes, call_id, token) -> None:
        try:
            reply = self.servers[server_key].invoke(svc_meth, request)
        except Exception:   # reported already (Server.invoke fails the run)
            return
        if isinstance(reply, asyncio.Future):
            reply.add_done_callback(lambda task: task.cancelled() or task.exception() is not None or
                                    self._handled(req_id, call_id, token, task.result()))
        else:
            self._handled(req_id, call_id, token, reply)

    def _handled(self, req_id: int, call_id, token, reply: bytes) -> None:
        """A handler's reply. If the tester drew its fate already (token: the network's epoch, and "reply" or
        "drop") and nothing on the network changed since (the same epoch), hand the outcome to the caller here at
        once (the reply, or None), as the tester's network would: that saves a whole exchange per RPC. The tester
        still counts and records it."""
        future = self.calls.get(call_id) if token is not None and token[:-1] == self.token else None
        inline = future is not None and not future.done()
        if inline:
            future.set_result(reply if token[-1] == "reply" else None)
        self.outbox.events.append(("handled", req_id, reply, inline))

    def input_credit(self, chan_key: int) -> None:
        self.channels[chan_key].credit.set()

    def input_peer(self, peer_key: int, name: str) -> None:
        peer = self.peers[peer_key] = simulation.Peer(name)
        peer.key = peer_key

    def input_kill(self, peer_key: int) -> None:
        peer = self.peers[peer_key]
        peer.kill()
        for channel in self.channels.values():
            if channel.peer is peer:
                channel.task.cancel()

    def input_op(self, op_id: int, clerk_key: int, method: str, args: tuple) -> None:
        clerk, peer = self.objects[clerk_key], self.owners[clerk_key]
        what = f"Clerk.{method}({', '.join(map(repr, args))})"
        try:
            with peer.active():   # the task below, and all it starts, belongs to the clerk
                coro = getattr(clerk, method)(*args)
                if not inspect.isawaitable(coro):
                    self.outbox.events.append(("op_done", op_id, "error", f"{self.where(peer)}: {what} returned "
                                               f"{show(coro)} at once; Clerk.{method} must be an `async def`"))
                    return
                task = asyncio.ensure_future(coro)
        except Exception as exc:
            self.outbox.events.append(("op_done", op_id, "error", self._student_error(peer, what, exc)))
            return
        task.add_done_callback(functools.partial(self._op_done, op_id, peer, what))

    def _op_done(self, op_id: int, peer, what: str, task: asyncio.Future) -> None:
        if task.cancelled():
            return   # the clerk was killed: the tester stopped waiting already
        if task.exception() is not None:
            self.outbox.events.append(("op_done", op_id, "error", self._student_error(peer, what,
                                                                                      task.exception())))
            return
        try:
            self.outbox.events.append(("op_done", op_id, "ok", wire.dumps(task.result())))
        except Exception as exc:
            self.outbox.events.append(("op_done", op_id, "error", f"{self.where(peer)}: {what} returned "
                                       f"{show(task.result())}, which is not data ({exc})"))

    # --- commands
    def do_load(self, spec: dict) -> None:
        """Import what the run needs: spec["roles"] ("raft", "kvraft") from the submission (spec["paths"] first on
        sys.path), or from spec["either"], a module that provides make() and/or start_kv_server()."""
        for path in reversed(spec["paths"]):
            if path not in sys.path:
                sys.path.insert(0, path)
        sys.path_hooks.insert(0, _source_only([os.path.realpath(path) for path in spec["paths"]]))
        sys.path_importer_cache.clear()
        either = spec.get("either")
        if either and not self.modules:
            module = self._import(either)
            for role, function in _ENTRY_POINTS.items():
                if callable(getattr(module, function, None)):
                    self.modules[role] = module
            if not self.modules:
                raise _CallFailed(f"{either} ({getattr(module, '__file__', '?')}) defines neither make() (a raft "
                                  f"implementation) nor start_kv_server() (a kvraft implementation)")
        for role in spec["roles"]:
            if role not in self.modules:
                module = self._import(role)
                if not callable(getattr(module, _ENTRY_POINTS[role], None)):
                    raise _CallFailed(f"{role} ({getattr(module, '__file__', '?')}) has no {_ENTRY_POINTS[role]}() "
                                      f"function")
                self.modules[role] = module

    def _import(self, name: str):
        try:
            return importlib.import_module(name)
        except BaseException as exc:   # SyntaxError, SystemExit at import...: the student's to read
            frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
            shown = [f for f in frames if "<frozen importlib" not in f and _LABRPC_DIR not in f
                     and f"{os.sep}importlib{os.sep}" not in f]
            raise _CallFailed(f"importing {name} failed:\n{''.join(shown[-8:]).rstrip()}") from None

    def do_make(self, what: str, peer_key: int, keys: tuple, end_names: list, args: tuple) -> None:
        """what: "raft" (keys: object, server, persister, channel), "kvserver" (keys: kv, rf, server, persister)
        or "clerk" (keys: object)."""
        peer = self.peers[peer_key]
        ends = [ClientEnd(self.net, name) for name in end_names]
        if what == "clerk":
            clerk = self._start(peer, "kvraft.make_clerk", self.modules["kvraft"].make_clerk, ends)
            self.objects[keys[0]], self.owners[keys[0]] = clerk, peer
            return
        with peer.active():   # every task the student starts, and its RPC handlers, belong to this incarnation
            server = Server()
        if what == "raft":
            obj_key, server_key, persister_key, chan_key = keys
            me, raft_state, snapshot = args
            persister = self.persisters[persister_key] = _WiredPersister(self, persister_key, raft_state, snapshot)
            channel = self.channels[chan_key] = _ApplyForwarder(self, chan_key, peer)
            raw = self._start(peer, "raft.make", self.modules["raft"].make, ends, me, persister, channel.queue)
            self.objects[obj_key], self.owners[obj_key] = raw, peer
            server.add_service(Service(raw, name="Raft"))
        else:
            kv_key, rf_key, server_key, persister_key = keys
            me, raft_state, snapshot, maxraftstate = args
            persister = self.persisters[persister_key] = _WiredPersister(self, persister_key, raft_state, snapshot)
            kv = self._start(peer, "kvraft.start_kv_server", self.modules["kvraft"].start_kv_server, ends, me,
                             persister, maxraftstate)
            self.objects[kv_key], self.objects[rf_key] = kv, kv.rf
            self.owners[kv_key] = self.owners[rf_key] = peer
            server.add_service(Service(kv, name="KVServer"))
            server.add_service(Service(kv.rf, name="Raft"))
        self.servers[server_key] = server

    def do_invoke(self, obj_key: int, what: str, method: str, args: tuple) -> bytes:
        """A plain call of the API (get_state, start, snapshot, kill): the result, pickled."""
        peer = self.owners[obj_key]
        result = self._call(peer, what, getattr(self.objects[obj_key], method), *args)
        try:
            return wire.dumps(result)
        except Exception as exc:
            raise _CallFailed(f"{self.where(peer)}: {what}() returned {show(result)}, which is not data "
                              f"({exc})") from None

    def do_persisted(self, keys: list) -> dict:
        """The latest saved state of these persisters: {key: (raft_state, snapshot)}."""
        return {key: (self.persisters[key]._raft_state, self.persisters[key]._snapshot) for key in keys}

    def do_describe(self) -> str:
        return self.sim.describe_tasks()

    def _start(self, peer, what: str, fn, *args):
        """_call for Make, StartKVServer or MakeClerk: what it returns must be the object the tester needs."""
        made = self._call(peer, what, fn, *args)
        wrong = wrong_start(what, made)
        if wrong:
            raise _CallFailed(f"{self.where(peer)}: {wrong}")
        return made

    def _call(self, peer, what: str, fn, *args):
        """fn(*args) as peer; its exceptions and awaitable results become a _CallFailed naming peer and call."""
        self.calling = peer
        try:
            with peer.active():
                result = fn(*args)
        except BaseException as exc:   # SystemExit too: the student's bug, reported as such
            raise _CallFailed(self._student_error(peer, f"{what}()", exc)) from None
        finally:
            self.calling = None
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise _CallFailed(f"{self.where(peer)}: {what}() returned an awaitable; it must be a plain `def` that "
                              f"returns at once (start background work with asyncio.create_task)")
        return result

    def _student_error(self, peer, what: str, exc: BaseException) -> str:
        return student_exception_text(self.where(peer), what, exc, (_LABRPC_DIR,))


class _CallFailed(Exception):
    """A command failed because of student code: the message goes back to the tester as the call's error."""


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles a submission's .py files from their source, every time: a .pyc beside them (or in __pycache__)
    could hold other code than the source that the grader scanned, hashed and shows."""

    def get_code(self, fullname):
        return self.source_to_code(self.get_data(self.path), self.path)


def _source_only(roots: list[str]):
    """A sys.path hook: under the submission's folders only .py files import (no .pyc, no native extension), and
    from source; elsewhere (the standard library) the usual finders."""
    def hook(path: str):
        real = os.path.realpath(path)
        if not any(real == root or real.startswith(root + os.sep) for root in roots):
            raise ImportError("not a submission folder")   # the next hook handles it
        return importlib.machinery.FileFinder(path, (_SourceOnlyLoader, importlib.machinery.SOURCE_SUFFIXES))
    return hook


def main(command_fd: int, report_fd: int, memory_limit: int) -> None:
    import resource
    for limit, value in ((resource.RLIMIT_AS, memory_limit), (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_FSIZE, 64 * 1024 * 1024)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass
    host = Host(command_fd, report_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the tester's to handle
    try:
        host.run()
    except BaseException as exc:   # SystemExit from a task, MemoryError in our own code...: say so, then go
        frames = [f for f in traceback.format_exception(type(exc), exc, exc.__traceback__)
                  if _LABRPC_DIR not in f and f"{os.sep}asyncio{os.sep}" not in f]
        try:
            host.outbox.events.append(("fail", f"{_culprit(host, exc)}: the student side stopped: "
                                               f"{type(exc).__name__}: {exc}\n{''.join(frames[-8:]).rstrip()}"))
            if host.sim is not None:
                host.report("ok", None)
        finally:
            os._exit(1)


def _culprit(host: Host, exc: BaseException) -> str:
    """Who raised exc (a SystemExit or KeyboardInterrupt leaves the loop at once, out of the task that raised it),
    and when."""
    if host.sim is None:
        return "student side"
    for task in host.sim.live_tasks:   # still listed: the loop stopped before their done-callbacks ran
        if task.done() and not task.cancelled() and task.exception() is exc:
            return f"{host.where(getattr(task, 'peer', None))}, task {task.get_name()}"
    return host.where(host.calling)
