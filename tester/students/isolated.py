"""Student code in a process of its own (the default): the harness's calls become commands to labrpc.host, and what
comes back (RPCs, replies, ApplyMsgs, persisted state, clerk results) becomes events of this side's world.

    students = IsolatedStudents(source, hash_seed="0", log_topics=None, sink=None)   start the student side
    students.attach()              inside the world: become its partner (labrpc.sim) and hand over seed and clock
    new_peer, make_raft, start_kv_server, make_clerk, close: as tester.students describes

This side owns what the verdict rests on: the network (every call the student side makes is carried by the
tester's Network, which counts, drops, delays and delivers it), the persisters (each save lands in the tester's
copy), the apply channels' reader and the clock. The student side only answers; anything it sends is checked as
untrusted data (labrpc.wire.loads_plain, then shapes and types), and anything malformed fails the run.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import math
import os
import time

import labrpc
from labrpc import ApplyMsg, Server, TaskCrashed, wire

from tester.impl import ImplError
from tester.kv_config import ClerkHandle, KVServerHandle
from tester.raft_config import RaftHandle
from tester.students.process import ANSWER_GRACE_S, BUSY_LIMIT_S, StudentProcess, StudentSideFailed, clean
from tester.testing import TestFailure

MESSAGE_LIMIT = 20_000   # characters of a failure message from the student side that are kept
MAX_OUTPUTS = 50_000     # outputs in one report: far more than one instant of any honest run makes
_calling: contextvars.ContextVar = contextvars.ContextVar("raftlab_call", default=None)   # the call being carried


class _MirrorPeer(labrpc.Peer):
    """This side's record of a student peer incarnation: its tasks here (calls in flight on the network) die with
    it, and so does the incarnation on the student side."""

    def __init__(self, name: str, students: IsolatedStudents, key: int):
        super().__init__(name)
        self.students, self.key = students, key

    def kill(self) -> None:
        if self.alive:
            self.students.inputs.append(("kill", self.key))
            self.students.peer_killed(self)
        super().kill()


class _RemoteServer(Server):
    """The network's server for a student peer: a delivered request runs its handler on the student side."""

    fate_first = True   # an immediate outcome can be handed to the caller there (labrpc.host, _handled)

    def __init__(self, students: IsolatedStudents, peer: _MirrorPeer, key: int):
        super().__init__(peer=peer)
        self.students, self.key = students, key

    def invoke(self, svc_meth: str, request: bytes, outcome=None):
        students = self.students
        req_id = next(students.keys)
        future = students.sim.loop.create_future()
        call_id = _calling.get()
        students.handled[req_id] = (future, call_id)
        # An immediate outcome for a caller on the student side may be handed over there (labrpc.host, _handled).
        token = (*students.token(), outcome) if outcome is not None and call_id is not None else None
        students.inputs.append(("deliver", req_id, self.key, svc_meth, request, call_id if token else None, token))
        return future


class _NotAnApplyMsg:
    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _RemoteApplyChannel:
    """The tester's end of a student peer's apply_ch: each get() lets the student side's queue give up one message,
    so the queue (capacity one) fills, and put() blocks, exactly as when the tester reads the queue itself."""

    def __init__(self, students: IsolatedStudents, key: int, peer: _MirrorPeer):
        self.students, self.key, self.peer = students, key, peer
        self._waiter = None

    async def get(self):
        self._waiter = self.students.sim.loop.create_future()
        self.students.inputs.append(("credit", self.key))
        return await self._waiter

    def deliver(self, fields, text: str) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return   # the applier was stopped (a crash): nobody reads this incarnation's apply_ch any more
        if fields is None:
            waiter.set_result(_NotAnApplyMsg(str(text)[:200]))
            return
        try:
            values = wire.loads_plain(fields)
            if not isinstance(values, tuple) or len(values) != 7:
                raise wire.WireError("not the seven fields of an ApplyMsg")
        except wire.WireError as exc:
            waiter.set_exception(TestFailure(f"{self.peer.name} at {labrpc.now():.3f} s: apply_ch received an "
                                             f"ApplyMsg the tester cannot read: {exc}"))
            return
        waiter.set_result(ApplyMsg(*values))


class IsolatedStudents:
    """The harness's student side in a child process (see the module docstring and tester.students)."""

    mode = "isolated"

    def __init__(self, source, *, hash_seed: str | None = None, log_topics=None, sink=None):
        self.source, self.log_topics = source, log_topics
        self.proc = StudentProcess.take(source, hash_seed=hash_seed or os.environ.get("PYTHONHASHSEED", "0"),
                                        sink=sink)
        self.sim = None
        self.net = None
        self.inputs: list = []
        self.next_wakeup: float | None = None
        self.keys = itertools.count(1)
        self.handled: dict = {}
        self._ops: dict = {}           # op_id -> (future, clerk peer)
        self._channels: dict = {}
        self._persisters: dict = {}    # key -> the tester's Persister, bound to the student side's
        self._stale: set = set()       # persisters saved since their state was last fetched
        self._cache: dict = {}
        self._peers: dict = {}
        self._roles: set = set()
        self._kills = 0                # peer deaths so far (part of the token, see token())
        self._handed_over: set = set() # calls whose reply the student side handed to the caller itself
        self._token_sent = None
        self._cpus = None              # this process's CPUs before the run, when it was pinned for it

    # --- the world
    def attach(self) -> None:
        self.sim = labrpc.current_simulation()
        self.sim.partner = self
        self._cpus, cpu = _share_one_cpu()
        self._command("load", self._load_spec([], seed=self.sim.seed, clock=self.sim.clock,
                                              schedule=self.sim.schedule, start=self.sim.start,
                                              topics=self.log_topics, real_deadline=self.sim.real_deadline,
                                              real_limit=self.sim.real_limit, cpu=cpu))

    def _load_spec(self, roles: list[str], **world) -> dict:
        """The first command's body: the world's settings (seed, clock...), and what to import for which roles."""
        return {"seed": 0, "clock": "virtual", "schedule": "fifo", "start": 0.0, "topics": None,
                "busy_limit": BUSY_LIMIT_S, **world, "paths": [self.source.root] if self.source.root else [],
                "either": self.source.either, "roles": roles}

    def probe(self, roles: list[str]) -> None:
        """Outside any world: import the implementation for these roles; ImplError if that fails."""
        try:
            status, result, *_ = self.proc.exchange(("load", 0.0, [], (self._load_spec(roles),)),
                                                    BUSY_LIMIT_S + ANSWER_GRACE_S, "while loading the implementation")
        except labrpc.SimulationError as exc:
            raise ImplError(f"--impl {self.source.label}: {exc}") from None
        if status != "ok":
            raise ImplError(f"--impl {self.source.label}: {clean(result, MESSAGE_LIMIT)}")

    def step(self, until: float | None) -> float | None:
        """labrpc.sim's partner hook: run the student side up to `until`, if it has anything to do by then."""
        if self.proc.failure is not None:
            return None
        if not self.inputs and (self.next_wakeup is None or (until is not None and self.next_wakeup > until)):
            return None
        now = self.sim.loop.time()
        try:
            _, stopped_at = self._command("advance", until)
        except (labrpc.SimulationError, TestFailure):
            return now   # the run is failed already; the loop stops at its next turn
        if type(stopped_at) is not float or not math.isfinite(stopped_at) or stopped_at < now - 1e-9 or \
                (until is not None and stopped_at > until + 1e-9):
            self._protocol_error(f"it stopped at {stopped_at!r}, outside [{now}, {until}]")
            return now
        return stopped_at

    def describe(self) -> str:
        try:
            text, _ = self._command("describe")
        except (labrpc.SimulationError, TestFailure) as exc:
            return f"  (the student side cannot say: {exc})"
        return f"  on the student side:\n{clean(text, MESSAGE_LIMIT)}"

    def close(self) -> None:
        self.proc.close()
        if self._cpus is not None:
            os.sched_setaffinity(0, self._cpus)

    def _command(self, kind: str, *body):
        """Send one command with the inputs gathered so far; take the report's outputs; the call's result."""
        budget, past_deadline = BUSY_LIMIT_S + ANSWER_GRACE_S, None
        if kind == "advance" and self.sim.clock == "real" and body[0] is not None:
            budget += max(0.0, body[0] - self.sim.loop.time())
        if self.sim.real_deadline is not None:   # the student side's watchdog reports the limit; this is the backstop
            to_deadline = max(0.0, self.sim.real_deadline - time.monotonic()) + ANSWER_GRACE_S
            if to_deadline < budget:
                budget, past_deadline = to_deadline, labrpc.TimeLimitExceeded(
                    f"real time limit of {self.sim.real_limit:g} s reached at virtual time {self.sim.now():.3f} s, "
                    f"and the student side did not answer (stuck in a blocking call?)")
        token = self.token()
        if token != self._token_sent:
            self.inputs.insert(0, ("epoch", token))
            self._token_sent = token
        command, self.inputs = (kind, self.sim.loop.time(), self.inputs, body), []
        try:
            report = self.proc.exchange(command, budget, functools.partial(self._doing, kind, body), past_deadline)
        except labrpc.SimulationError as exc:
            self.sim.fail(exc)
            raise
        try:
            status, result, outputs, wakeup, stopped_at = report
            if wakeup is not None and (type(wakeup) is not float or not math.isfinite(wakeup)):
                raise TypeError(f"next wake-up {wakeup!r}")
            if type(outputs) is not list or len(outputs) > MAX_OUTPUTS:
                raise ValueError(f"outputs must be a list of at most {MAX_OUTPUTS:,}")
            self.next_wakeup = wakeup
            for output in outputs:
                if type(output) is not tuple or not output or type(output[0]) is not str:
                    raise TypeError("an output must be a tuple naming its kind")
                getattr(self, f"_out_{output[0]}")(*output[1:])
        except (TypeError, ValueError, AttributeError, IndexError, KeyError) as exc:
            self._protocol_error(f"{type(exc).__name__}: {exc}")
            raise TestFailure(str(self.sim.failure)) from None
        if status != "ok":
            raise TestFailure(clean(result, MESSAGE_LIMIT))
        return result, stopped_at

    def _doing(self, kind: str, body) -> str:
        at = f"at virtual time {self.sim.now():.3f} s"
        if kind == "invoke":
            return f"during {body[1]}() {at}"
        if kind == "make":
            return f"while starting a peer ({body[0]}) {at}"
        if kind == "load":
            return "while loading the implementation"
        return f"while running the peers {at}"

    def _protocol_error(self, text: str) -> None:
        self.sim.fail(StudentSideFailed(f"the student side broke the protocol: {text}"))
        self.proc.close()

    def _ensure(self, role: str) -> None:
        if role not in self._roles:
            self._command("load", {"paths": [], "either": None, "roles": [role]})
            self._roles.add(role)

    # --- what the harness calls
    def new_peer(self, name: str) -> _MirrorPeer:
        key = next(self.keys)
        peer = self._peers[key] = _MirrorPeer(name, self, key)
        self.inputs.append(("peer", key, name))   # goes with the next command (the make that uses it)
        return peer

    def peer_killed(self, peer: _MirrorPeer) -> None:
        self._kills += 1
        for op_id, (future, owner) in list(self._ops.items()):
            if owner is peer:
                del self._ops[op_id]
                future.cancel()

    def make_raft(self, peer: _MirrorPeer, ends, me: int, persister):
        self._ensure("raft")
        self.net = ends[0]._net if ends else self.net
        obj, server_key, persister_key, chan = (next(self.keys) for _ in range(4))
        channel = self._channels[chan] = _RemoteApplyChannel(self, chan, peer)
        state = self._hand_over(persister, persister_key)
        self._command("make", "raft", peer.key, (obj, server_key, persister_key, chan), [e.name for e in ends],
                      (me, *state))
        return RaftHandle(peer, functools.partial(self._invoke, obj, peer)), channel, \
            _RemoteServer(self, peer, server_key)

    def start_kv_server(self, peer: _MirrorPeer, ends, me: int, persister, maxraftstate: int):
        self._ensure("kvraft")
        self.net = ends[0]._net if ends else self.net
        kv, rf, server_key, persister_key = (next(self.keys) for _ in range(4))
        state = self._hand_over(persister, persister_key)
        self._command("make", "kvserver", peer.key, (kv, rf, server_key, persister_key), [e.name for e in ends],
                      (me, *state, maxraftstate))
        return (KVServerHandle(peer, functools.partial(self._invoke, kv, peer)),
                RaftHandle(peer, functools.partial(self._invoke, rf, peer)), _RemoteServer(self, peer, server_key))

    def make_clerk(self, peer: _MirrorPeer, ends) -> ClerkHandle:
        self._ensure("kvraft")
        self.net = ends[0]._net if ends else self.net
        key = next(self.keys)
        self._command("make", "clerk", peer.key, (key,), [e.name for e in ends], ())
        return ClerkHandle(peer, functools.partial(self._clerk_op, key, peer))

    def _hand_over(self, persister, key: int) -> tuple[bytes, bytes]:
        """The state the new incarnation starts from; from now on the tester's persister reads the student side's."""
        state = (persister.read_raft_state(), persister.read_snapshot())
        self._persisters[key], self._cache[key] = persister, state
        persister._bind(functools.partial(self._fetch, key))
        return state

    def _invoke(self, obj_key: int, peer: _MirrorPeer, what: str, method: str, *args):
        result, _ = self._command("invoke", obj_key, what, method, args)
        return self._plain(result, peer, f"{what}() returned")

    async def _clerk_op(self, clerk_key: int, peer: _MirrorPeer, method: str, *args):
        op_id = next(self.keys)
        future = self.sim.loop.create_future()
        self._ops[op_id] = (future, peer)
        self.inputs.append(("op", op_id, clerk_key, method, args))
        return await future

    def _plain(self, data, peer, what: str):
        try:
            return wire.loads_plain(data)
        except wire.WireError as exc:
            raise TestFailure(f"{peer.name} at {labrpc.now():.3f} s: {what} a value the tester cannot read "
                              f"(only plain data crosses to the tester: {exc})") from None

    # --- what the student side sends (each checked: it is untrusted)
    def _out_saved(self, key) -> None:
        self._persisters[key]   # KeyError for a persister that was never handed over
        self._stale.add(key)

    def _fetch(self, key: int) -> tuple[bytes, bytes]:
        """A bound persister's latest state: fetched (with every other stale one) only when the tester reads it."""
        if self._stale:
            keys, self._stale = sorted(self._stale), set()
            states, _ = self._command("persisted", keys)
            for stale in keys:
                state = states.get(stale) if type(states) is dict else None
                if type(state) is not tuple or len(state) != 2 or not all(type(part) is bytes for part in state):
                    self._protocol_error(f"persister {stale}: the persisted state must be two bytes objects")
                    raise TestFailure(str(self.sim.failure))
                self._cache[stale] = state
        return self._cache[key]

    def _out_call(self, call_id: int, peer_key, endname, svc_meth, request) -> None:
        if type(svc_meth) is not str or type(request) is not bytes or type(endname) is not str \
                or not self.net.has_end(endname):
            raise ValueError(f"a call on end {endname!r} ({svc_meth!r})")
        peer = self._peers.get(peer_key)
        if peer is None or not peer.alive:
            return   # code of a dead incarnation: in the tester's own process it could not have started
        peer.spawn(self._carry(call_id, endname, svc_meth, request))

    async def _carry(self, call_id: int, endname, svc_meth: str, request: bytes) -> None:
        _calling.set(call_id)
        reply = await self.net.carry(endname, svc_meth, request)
        if call_id in self._handed_over:   # the student side gave the caller its reply already
            self._handed_over.discard(call_id)
            return
        self.inputs.append(("reply", call_id, reply))

    def token(self) -> tuple[int, int]:
        """Changes whenever a reply's fate could: the network's epoch, and each peer death."""
        return (self.net.epoch if self.net is not None else 0, self._kills)

    def _out_handled(self, req_id: int, reply, inline: bool) -> None:
        if not isinstance(reply, bytes):
            raise TypeError("a reply must be bytes")
        future, call_id = self.handled.pop(req_id, (None, None))
        if future is not None and not future.done():
            if inline and call_id is not None:
                self._handed_over.add(call_id)
            future.set_result(reply)

    def _out_apply(self, chan_key: int, fields, text) -> None:
        self._channels[chan_key].deliver(fields, clean(text, 200))

    def _out_op_done(self, op_id: int, status: str, value) -> None:
        future, peer = self._ops.pop(op_id, (None, None))
        if future is None or future.done():
            return
        if status == "ok":
            try:
                future.set_result(self._plain(value, peer, "a clerk operation returned"))
            except TestFailure as exc:
                future.set_exception(exc)
        else:
            future.set_exception(TestFailure(clean(value, MESSAGE_LIMIT)))

    def _out_fail(self, message) -> None:
        self.sim.fail(TaskCrashed(clean(message, MESSAGE_LIMIT)))


def _share_one_cpu() -> tuple[set | None, int | None]:
    """Pin this process to the CPU it runs on, for the run; the student side pins itself there too. The two sides
    take strict turns, so one CPU loses nothing, and handing the turn over on one CPU is a plain context switch,
    not a wake-up of another (idle, on a virtual machine slow to wake) CPU. (before, cpu); (None, None) if not
    possible here."""
    try:
        before = os.sched_getaffinity(0)
        with open("/proc/self/stat", "rb") as stat:
            cpu = int(stat.read().rsplit(b")", 1)[1].split()[36])   # field 39, "processor"
        if cpu not in before:
            return None, None
        os.sched_setaffinity(0, {cpu})
        return before, cpu
    except (AttributeError, OSError, ValueError, IndexError):
        return None, None
