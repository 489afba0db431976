"""What one run's timeline is made of, recorded on the trusted side as it happens, without changing the run.

    rec = Recorder(test, seed)            a run to draw (tester.run_one makes one for `replay --html`)
    rec.attach()                          inside the world, before the test body: the hooks report to it from now on
    active() -> Recorder | None           the running world's recorder (None: nothing is recorded, the hooks skip)
    rec.tee(sink) -> sink                 a sink (tester.run_one) that also keeps the student's log lines
    rec.finish(message, failed_at, end, failure)   the verdict, once the world ended (failure: the exception)

The hooks (each behind one `is not None` check, so a run that is not drawn pays nothing):
    labrpc.sim.Simulation.record -> rec.trace(event)       every trace event: an RPC's fate (its task pairs it)
    labrpc.network.Network.carry -> rec.sent(endname, svc_meth, servername, request), rec.replied(reply)
    raft_config / kv_config -> rec.crashed(i), rec.started(i), rec.connected(flags), rec.groups(groups),
        rec.clerk_links(name, servers, enabled), rec.network(unreliable=, long_reordering=), rec.applied(i, index),
        rec.snapshot(i, index, how), rec.state(peer, term, is_leader), rec.clerk_op(peer, op) -> op
    lab3_helpers.check_history -> rec.set_history(info)
    @recorded_check on the harness's checks (check_one_leader, one, wait, check(...), ...)

The recorder only reads: it never calls student code, draws no randomness, creates no task or callback and
touches neither the loop nor the network, so the trace (and its hash) is the same with and without it. What it keeps
is raw (bytes, tuples); tester.timeline.model turns it into the page's data after the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections import deque

import labrpc
from labrpc.network import RPC_LATENCY
from labrpc.sim import current_peer
from tester.log_view import parse_line


def active() -> Recorder | None:
    """The recorder of the world running now, or None (no world, or a run that is not drawn)."""
    sim = labrpc.sim._current_sim
    return sim.recorder if sim is not None else None


class Call:
    """One RPC as the network carried it. Times in virtual seconds; `done` is when the caller got its reply or None
    (None here: the call never finished, its caller was killed). fate: "reply", "unreachable" (the end is disabled
    or the server gone), "drop-request", "drop-reply", "lost-to-death" (the server died while handling it),
    "cancelled" (the caller's task was cancelled with the call in flight)."""

    __slots__ = ("delay", "done", "fate", "held", "method", "peer", "reply", "request", "sent", "server")

    def __init__(self, sent: float, peer: str, method: str, server, request: bytes):
        self.sent, self.peer, self.method, self.server, self.request = sent, peer, method, server, request
        self.delay = 0.0      # Go's random delay before delivery (unreliable network), seconds
        self.held = None      # when the reply was held back (long reordering), else None
        self.done = self.fate = self.reply = None

    @property
    def delivered(self) -> float | None:
        """When the request reached the server's handler (None if it never did)."""
        if self.fate in ("unreachable", "drop-request"):
            return None
        return self.sent + RPC_LATENCY + self.delay


LOG_CAP = 60_000        # log lines kept (the last ones), in memory and on the page


class Recorder:
    def __init__(self, test: str, seed: int):
        self.test, self.seed = test, seed
        self.sim = None
        self.calls: list[Call] = []
        # The call each task is carrying: a task carries one call at a time (in-process, the caller's own task; on
        # the isolated side, a task per call), so the trace events of a call's fate find their call by task.
        self._flying: dict = {}
        self.faults: list[tuple] = []        # (time, kind, *details): crashes, starts, links, network modes
        self.states: list[tuple] = []        # (time, peer name, term, is_leader): what get_state told the harness
        self.applies: list[tuple] = []       # (time, server, index)
        self.snapshots: list[tuple] = []     # (time, server, index, "taken" | "installed" | "restored")
        self.checks: list[list] = []         # [name, text, start, end, result text, exception or None]
        self.ops: list[tuple] = []           # (clerk, method, args, start, end, result, error text or None)
        self.history = None                  # the LinearizationInfo of lab 3's linearizability check
        self.history_notes: list = []        # its annotations (partitions, shutdowns)
        self.history_view = None             # the view the harness wrote of it (a failed check), if any
        # (time, peer, topic, message): the last LOG_CAP only, so that a flood of log lines costs bounded memory;
        # log_count counts them all
        self.logs: deque[tuple] = deque(maxlen=LOG_CAP)
        self.log_count = 0
        self.outcome: dict = {}
        self.isolated = True                 # False: --in-process (the page says the run was not isolated)
        self._partial = ""

    def attach(self) -> None:
        self.sim = labrpc.current_simulation()
        self.sim.recorder = self

    def now(self) -> float:
        return self.sim.now()

    # --- the network
    def sent(self, endname, svc_meth: str, servername, request: bytes) -> None:
        peer = current_peer()
        call = Call(self.sim.now(), peer.name if peer is not None else "tester", svc_meth, servername, request)
        self.calls.append(call)
        task = asyncio.current_task()
        old = self._flying.get(task)
        if old is not None:   # the task's previous call was cancelled in flight, and the task went on
            old.fate = "cancelled"
        self._flying[task] = call

    def replied(self, reply: bytes) -> None:
        call = self._flying.get(asyncio.current_task())
        if call is not None:
            call.reply = reply

    def trace(self, event: tuple) -> None:
        kind = event[0]
        if kind == "send":
            return
        task = asyncio.current_task()
        call = self._flying.get(task)
        if call is None:
            return
        now = self.sim.now()
        if kind == "delay":
            call.delay = event[2] / 1000
            return
        if kind == "reorder":
            call.held = now
            return
        call.fate, call.done = kind, now
        if kind == "unreachable":   # the caller gets None once Go's timeout passes
            call.done = now + event[2] / 1000
        del self._flying[task]

    # --- the harness: peers, links, the network's mode
    def crashed(self, server: int) -> None:
        self.faults.append((self.now(), "crash", server))

    def started(self, server: int) -> None:
        self.faults.append((self.now(), "start", server))

    def connected(self, flags: list[bool]) -> None:
        """Raft harness: the connected servers talk to each other; each disconnected one is cut off alone."""
        on = [i for i, flag in enumerate(flags) if flag]
        self.groups([on] + [[i] for i, flag in enumerate(flags) if not flag])

    def groups(self, groups: list[list[int]]) -> None:
        """Which servers can talk to each other from now on: each list is a group (a server alone is cut off)."""
        self.faults.append((self.now(), "groups", [sorted(group) for group in groups if group]))

    def clerk_links(self, clerk: str, servers: list[int], enabled: bool) -> None:
        self.faults.append((self.now(), "clerk", clerk, sorted(servers), enabled))

    def network(self, *, unreliable: bool | None = None, long_reordering: bool | None = None) -> None:
        if unreliable is not None:
            self.faults.append((self.now(), "unreliable", bool(unreliable)))
        if long_reordering is not None:
            self.faults.append((self.now(), "long_reordering", bool(long_reordering)))

    # --- the harness: what it read from the peers
    def state(self, peer, term, is_leader) -> None:
        self.states.append((self.now(), peer.name, term, is_leader))

    def applied(self, server: int, index: int) -> None:
        self.applies.append((self.now(), server, index))

    def snapshot(self, server: int, index: int, how: str) -> None:
        self.snapshots.append((self.now(), server, index, how))

    def clerk_op(self, peer, op):
        """The clerk operation `op(method, *args)` of a tester.kv_config.ClerkHandle, recorded call to return."""
        @functools.wraps(op)
        async def recorded(method: str, *args):
            start = self.now()
            try:
                result = await op(method, *args)
            except asyncio.CancelledError:
                self.ops.append((peer.name, method, args, start, self.now(), None, "cancelled"))
                raise
            except Exception as exc:
                self.ops.append((peer.name, method, args, start, self.now(), None, str(exc)))
                raise
            self.ops.append((peer.name, method, args, start, self.now(), result, None))
            return result
        return recorded

    def set_history(self, info, annotations=()) -> None:
        """lab 3's checked history (a LinearizationInfo) and the faults to annotate its view with."""
        self.history, self.history_notes = info, list(annotations)

    # --- checks
    def check_started(self, name: str, args: tuple) -> list:
        mark = [name, args, self.now(), None, None, None]
        self.checks.append(mark)
        return mark

    def check_ended(self, mark: list, result=None, error: BaseException | None = None) -> None:
        mark[3], mark[4], mark[5] = self.now(), result, error

    # --- the student's log lines, and the end
    def tee(self, sink):
        """A sink that also keeps every log line (labrpc.LOG_FORMAT) of the student's output, then passes the text
        on to `sink` (if any)."""
        def both(text: str) -> None:
            self._keep_lines(text)
            if sink is not None:
                sink(text)
        return both

    def _keep_lines(self, text: str) -> None:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            if not line.strip():
                continue
            parsed = parse_line(line)
            self.log_count += 1
            if parsed is not None:
                # (the format pads the topic to 8 characters: the padding is no part of the message)
                self.logs.append((parsed.time, parsed.peer, parsed.topic.upper(), parsed.message.lstrip(" ")))
            else:   # print() output, or a topic the log format cannot carry: shown as it came, when it came
                self.logs.append((self.sim.now() if self.sim is not None else 0.0, "", "OUTPUT", line))

    def finish(self, message: str, failed_at: float | None, end: float, failure: BaseException | None,
               trace_hash: str) -> None:
        """The verdict: message ("" when the run passed), when the failure happened, where the run ended (virtual
        seconds), the exception that failed it (to find the check that raised it), the run's trace hash."""
        if self._partial:
            self._keep_lines("\n")
        for call in self._flying.values():
            call.fate = "cancelled"
        self._flying.clear()
        self.outcome = {"message": message, "failed_at": failed_at, "end": end, "failure": failure,
                        "trace_hash": trace_hash}


def recorded_check(fn):
    """Decorate a harness check (a function or method, sync or async): each call becomes a marker on the timeline,
    with its arguments, its result, and its failure (the one that failed the run is highlighted)."""
    name = fn.__name__
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def checked(*args):
            with _marking(name, args) as mark:
                mark.append(await fn(*args))
            return mark[-1]
    else:
        @functools.wraps(fn)
        def checked(*args):
            with _marking(name, args) as mark:
                mark.append(fn(*args))
            return mark[-1]
    return checked


@contextlib.contextmanager
def _marking(name: str, args: tuple):
    """Yields a list the check's result is appended to; records the check if a recorder is active."""
    rec = active()
    if rec is None:
        yield []
        return
    mark = rec.check_started(name, args)
    result: list = []
    try:
        yield result
    except BaseException as exc:
        rec.check_ended(mark, None, exc)
        raise
    rec.check_ended(mark, result[-1] if result else None)
