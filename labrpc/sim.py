"""The simulated world: one asyncio loop, a virtual clock, one seed.

    run(main, *, seed, clock="virtual", time_limit=None, real_time_limit=None,
        schedule="fifo", busy_limit=10.0, on_trace=None) -> what `await main()` returns
    now() -> float                        seconds since the run began (virtual, or real with clock="real")
    random_stream(name) -> random.Random  a stream of its own per name, forked from the run's seed
    current_simulation() -> Simulation    the running world: .seed, .clock, .trace_hash(), .record(...)
    Peer(name)                            one incarnation of a peer (a server, a clerk)
        peer.spawn(coro) -> Task          run a coroutine as this peer
        with peer.active(): ...           code in the block, and every task it creates, belongs to the peer
        peer.kill()                       cancel every task of the peer, now and later (a real crash)
    current_peer() -> Peer | None
    sim.partner                           the student side when it runs in a process of its own
                                          (tester.students): stepped in lockstep with this loop's clock, see
                                          _SimSelector.select; None when student code runs in this process
    sim.recorder                          tester.timeline's recorder while the run is drawn (--html), else None

Failures end the whole run with one of (all `SimulationError`): DeadlockError (nothing can ever run again),
BusyLoopError (a task never yields), TimeLimitExceeded, MisuseError (time.sleep, threads...), TaskCrashed
(an exception nobody handled, in any task). Each message names the peer and the virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ctypes
import hashlib
import os
import random
import selectors
import sys
import threading
import time
import traceback
from typing import Any, Awaitable, Callable, Iterator

from labrpc.errors import (BusyLoopError, DeadlockError, MisuseError, SimulationError, TaskCrashed,
                           TimeLimitExceeded, student_exception_text, student_stack_text)

# The peer a piece of code runs as. Tasks copy the context when created, so everything a peer starts is its own.
_current_peer: contextvars.ContextVar[Peer | None] = contextvars.ContextVar("raftlab_peer", default=None)
_current_sim: Simulation | None = None   # one world at a time per process: runs never nest


def current_peer() -> Peer | None:
    return _current_peer.get()


def current_simulation() -> Simulation:
    if _current_sim is None:
        raise MisuseError("no simulation is running: call this from code started by labrpc.run(main, seed=...)")
    return _current_sim


def now() -> float:
    return current_simulation().now()


def random_stream(name: str) -> random.Random:
    return current_simulation().random_stream(name)


def where() -> str:
    """'S2 at 12.345 s' for messages: who is running, and when."""
    sim, peer = _current_sim, current_peer()
    who = peer.name if peer is not None else "tester"
    return f"{who} at {sim.now():.3f} s" if sim is not None else who


class Peer:
    """One incarnation of a peer. A restarted server is a new Peer: the old one's tasks stay dead."""

    def __init__(self, name: str):
        self.name = name
        self.alive = True
        self._tasks: set[asyncio.Task] = set()

    def __repr__(self) -> str:
        return f"Peer({self.name!r}{'' if self.alive else ', dead'})"

    @contextlib.contextmanager
    def active(self) -> Iterator[Peer]:
        token = _current_peer.set(self)
        try:
            yield self
        finally:
            _current_peer.reset(token)

    def spawn(self, coro: Awaitable) -> asyncio.Task:
        with self.active():
            return asyncio.get_running_loop().create_task(coro)

    def kill(self) -> None:
        self.alive = False
        for task in list(self._tasks):
            task.cancel()

    def _adopt(self, task: asyncio.Task) -> None:
        if not self.alive:   # a dead peer's leftover code may not start anything new
            task.cancel()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class Simulation:
    """State of one run. The selector below drives its clock; the loop asks it for the time."""

    def __init__(self, seed: int, clock: str, schedule: str, time_limit: float | None, on_trace=None):
        if clock not in ("virtual", "real"):
            raise ValueError(f"clock must be 'virtual' or 'real', not {clock!r}")
        if schedule not in ("fifo", "shuffle"):
            raise ValueError(f"schedule must be 'fifo' or 'shuffle', not {schedule!r}")
        self.seed, self.clock, self.schedule, self.time_limit = seed, clock, schedule, time_limit
        self.virtual_now = 0.0
        self.start = 0.0                 # loop time at which the run began (0 on the virtual clock)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.failure: SimulationError | None = None
        self.tearing_down = False
        self._streams: dict[str, random.Random] = {}
        self._hash = hashlib.blake2b(digest_size=16)
        self._on_trace = on_trace        # called with each trace event, for the determinism check
        self.live_tasks: set[asyncio.Task] = set()
        # Watchdog state: the loop thread stamps these on every pass through select.
        self.in_select = False
        self.in_loop = False                       # the loop thread is inside run_until_complete (see _interrupt)
        self.interrupt_lock = threading.Lock()
        self.last_beat = _monotonic()
        self.loop_thread = threading.get_ident()
        self.interrupt_sent = False                # see run(): clear a pending interruption only if one was sent
        # Real-time limit checked on every turn of the loop (the watchdog thread is only needed while student code
        # runs in this process: a loop that runs only the tester's code comes back to select by itself).
        self.real_deadline: float | None = None
        self.real_limit: float | None = None
        # The other half of the world, in another process (tester.students.isolated): it has
        # step(until) -> instant it stopped at, or None when it has nothing to do by `until`; and describe().
        self.partner = None
        self.recorder = None   # tester.timeline's Recorder while a run is drawn: sees every trace event, changes none
        self._schedule_rng = self.random_stream("schedule")

    # --- time, randomness, trace
    def now(self) -> float:
        return self.loop.time() - self.start if self.loop is not None else 0.0

    def random_stream(self, name: str) -> random.Random:
        if name not in self._streams:   # string seeds hash the same in every process (no PYTHONHASHSEED effect)
            self._streams[name] = random.Random(f"raftlab/{self.seed}/{name}")
        return self._streams[name]

    def record(self, *event: Any) -> None:
        """Add an event to the trace; its hash identifies the run, event for event."""
        line = f"{round(self.now() * 1e6)} {event!r}"   # integer microseconds: cheaper, and exact
        self._hash.update(line.encode())
        if self._on_trace is not None:
            self._on_trace(line)
        if self.recorder is not None:
            self.recorder.trace(event)

    def trace_hash(self) -> str:
        return self._hash.hexdigest()

    # --- failures
    def fail(self, error: SimulationError) -> None:
        """End the run with this error (the first one wins): the loop stops at its next turn."""
        if self.failure is None and not self.tearing_down:
            self.failure = error
            if self.loop is not None:
                self.loop.call_soon_threadsafe(lambda: None)   # wake a real-clock select

    def describe_tasks(self) -> str:
        lines = []
        for task in sorted(asyncio.all_tasks(self.loop), key=lambda t: t.get_name()):
            peer = _peer_of(task)
            frames = task.get_stack(limit=1)
            at = "not started" if not frames else \
                f"{frames[0].f_code.co_name} at {frames[0].f_code.co_filename}:{frames[0].f_lineno}"
            waiting = getattr(task, "_fut_waiter", None)
            awaits = f", awaiting {_describe_future(waiting)}" if waiting is not None else ""
            lines.append(f"  - {task.get_name()} ({peer.name if peer else 'tester'}): in {at}{awaits}")
        if self.partner is not None and not self.tearing_down:
            lines.append(self.partner.describe())
        return "\n".join(lines) or "  (no tasks)"


def _describe_future(fut: asyncio.Future) -> str:
    text = repr(fut)
    return text if len(text) < 160 else text[:157] + "..."


REAL_POLL_EVERY = 64


class SteppingSelector(selectors.BaseSelector):
    """The base of a world's selector: a real one inside (for the loop's self-pipe), and select() left to the
    subclass, which decides how time passes. labrpc.host's selector is the other subclass."""

    def __init__(self, sim: Simulation):
        self._real = selectors.DefaultSelector()
        self._sim = sim

    def shuffle_ready(self) -> None:
        """With schedule="shuffle": a seeded order among the callbacks ready at this turn."""
        sim = self._sim
        if sim.schedule == "shuffle" and len(sim.loop._ready) > 1:
            ready = list(sim.loop._ready)
            sim._schedule_rng.shuffle(ready)
            sim.loop._ready.clear()
            sim.loop._ready.extend(ready)

    def register(self, fileobj, events, data=None):
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._real.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj):
        return self._real.get_key(fileobj)

    def get_map(self):
        return self._real.get_map()

    def close(self):
        self._real.close()


class _SimSelector(SteppingSelector):
    """On the virtual clock, a wait of `timeout` seconds moves time instead of sleeping, and a wait with no timeout
    at all means nothing can ever run again: a deadlock."""

    def __init__(self, sim: Simulation):
        super().__init__(sim)
        self._turns = 0

    def select(self, timeout=None):
        sim = self._sim
        sim.last_beat = _monotonic()
        if sim.failure is None and sim.real_deadline is not None and sim.last_beat > sim.real_deadline:
            sim.fail(TimeLimitExceeded(f"real time limit of {sim.real_limit:g} s reached at virtual time "
                                       f"{sim.now():.3f} s; still running:\n{sim.describe_tasks()}"))
        if sim.failure is not None and not sim.tearing_down:
            sim.loop.stop()
            timeout = 0
        self.shuffle_ready()
        if timeout != 0 and sim.partner is not None and not sim.tearing_down and self._step_partner(timeout):
            return []
        if sim.clock == "real":
            sim.in_select = True
            try:
                return self._real.select(timeout)
            finally:
                sim.in_select = False
                sim.last_beat = _monotonic()
        # Real I/O (only the loop's self-pipe, for wake-ups from the watchdog) is polled now and then, not on
        # every turn: a poll costs more than a whole simulated RPC.
        self._turns += 1
        events = [] if self._turns % REAL_POLL_EVERY else self._real.select(0)
        if events or timeout == 0:
            return events
        if timeout is None:
            if sim.tearing_down:
                sim.loop.stop()
            else:
                sim.fail(DeadlockError(
                    f"deadlock at virtual time {sim.now():.3f} s: no task can ever run again (every task waits "
                    f"for something only another task could do, and no timer is pending).\n"
                    f"Pending tasks:\n{sim.describe_tasks()}"))
                sim.loop.stop()
            return []
        target = sim.virtual_now + timeout
        if sim.time_limit is not None and target > sim.time_limit and not sim.tearing_down:
            sim.virtual_now = sim.time_limit
            sim.fail(TimeLimitExceeded(
                f"virtual time limit of {sim.time_limit:g} s reached; still running:\n{sim.describe_tasks()}"))
            sim.loop.stop()
            return []
        sim.virtual_now = target
        return []

    def _step_partner(self, timeout: float | None) -> bool:
        """This side is idle until its next timer: let the student side run up to then (never past the time
        limit). True if it ran; the clock then stands at the instant it stopped at, where its outputs (calls,
        replies, applied entries) are due here. Both sides take turns, so the run stays one sequence of events."""
        sim = self._sim
        now = sim.loop.time()
        until = None if timeout is None else now + timeout
        if sim.time_limit is not None:
            limit = sim.start + sim.time_limit
            until = limit if until is None else min(until, limit)
        stopped_at = sim.partner.step(until)
        if stopped_at is None:
            return False
        if sim.clock == "virtual":
            sim.virtual_now = max(sim.virtual_now, stopped_at)
        return True


class _SimLoop(asyncio.SelectorEventLoop):
    def __init__(self, sim: Simulation, selector: selectors.BaseSelector | None = None):
        super().__init__(selector=selector if selector is not None else _SimSelector(sim))
        self._sim = sim
        self.set_task_factory(_task_factory)

    def time(self) -> float:
        return self._sim.virtual_now if self._sim.clock == "virtual" else super().time()

    def run_in_executor(self, executor, func, *args):
        raise MisuseError(f"{where()}: threads (run_in_executor / asyncio.to_thread) are not allowed inside a "
                          f"simulated world: they run outside the virtual clock and break replay. "
                          f"Write the code as a coroutine and await it.")


class _SimTask(asyncio.Task):
    """A task that remembers which peer it belongs to (for kills and messages)."""
    peer: Peer | None = None


def _peer_of(task) -> Peer | None:
    return getattr(task, "peer", None)


def _task_factory(loop, coro, **kwargs):
    if kwargs.get("name") is None:   # "_ticker" says more in a message than asyncio's "Task-12"
        kwargs["name"] = getattr(coro, "__qualname__", None)
    task = _SimTask(coro, loop=loop, **kwargs)
    context = kwargs.get("context")
    peer = task.peer = context.get(_current_peer) if context is not None else _current_peer.get()
    if peer is not None:
        peer._adopt(task)
    # asyncio holds tasks only weakly: one waiting on a future nobody else references would be collected
    # mid-run, at a moment that depends on the garbage collector. The world holds them until they end.
    loop._sim.live_tasks.add(task)
    task.add_done_callback(_task_done)
    return task


UNRETRIEVED_TURNS = 3   # turns an awaiter gets to collect a task's exception (asyncio.wait needs two)


def _task_done(task: asyncio.Task) -> None:
    """An exception that escapes a task and that nobody retrieves is a bug (Go would panic): fail the run.
    Checked a few turns later, so code that awaits the task gets to handle it first."""
    task.get_loop()._sim.live_tasks.discard(task)
    if getattr(task, "_log_traceback", False):   # finished with an exception not yet retrieved
        task.get_loop().call_soon(_fail_if_unretrieved, task, UNRETRIEVED_TURNS - 1)


def _fail_if_unretrieved(task: asyncio.Task, turns_left: int) -> None:
    sim = _current_sim
    if sim is None or not getattr(task, "_log_traceback", False):
        return
    if turns_left > 0:
        task.get_loop().call_soon(_fail_if_unretrieved, task, turns_left - 1)
        return
    exc = task.exception()   # marks it retrieved: asyncio will not log it a second time
    peer = _peer_of(task)
    sim.fail(TaskCrashed(student_exception_text(f"{peer.name if peer else 'tester'} at {sim.now():.3f} s",
                                                f"task {task.get_name()}", exc, _FRAMEWORK_FILES), cause=exc))


def _forbidden_sleep(seconds: float) -> None:
    sim = _current_sim
    if sim is None or threading.get_ident() != sim.loop_thread or sim.partner is not None:
        return _real_sleep(seconds)   # (with a partner, student code runs elsewhere: this is the tester's own wait)
    error = MisuseError(f"{where()}: time.sleep({seconds}) would freeze the whole simulated world (every peer "
                        f"shares one thread). Use `await asyncio.sleep({seconds})` instead.")
    sim.fail(error)
    raise error


_real_sleep = time.sleep
_WALL_CLOCKS = ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns")
_real_clocks = {name: getattr(time, name) for name in _WALL_CLOCKS}
_monotonic = _real_clocks["monotonic"]   # the framework's own reads (every turn of the loop) skip the guard below
# The framework's files: they may read the wall clock during a run, and stacks shown to students leave them out.
# With installed packages (asyncio's loop, rich's live view) everything else is student code (a submission, the
# reference, a mutant).
_FRAMEWORK_FILES = tuple(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep + name + os.sep
                       for name in ("labrpc", "tester", "grading")) + (os.path.dirname(os.__file__) + os.sep, "<")


def _wall_clock(name: str):
    """time.<name> while a virtual-clock world runs here: the tester's own reads pass, student code's fail the run
    (it would make the run depend on the machine, and a replay differ)."""
    real = _real_clocks[name]

    def read():
        sim = _current_sim
        if sim is None or sim.partner is not None or threading.get_ident() != sim.loop_thread:
            return real()
        caller = sys._getframe(1).f_code.co_filename
        if caller.startswith(_FRAMEWORK_FILES) or "site-packages" in caller:
            return real()
        error = MisuseError(f"{where()}: reading the wall clock (time.{name}()) makes a run depend on the machine, "
                            f"and its replay differ. Use asyncio.get_running_loop().time() (virtual seconds).")
        sim.fail(error)
        raise error
    return read


def _tasks_from_another_thread(sim: Simulation) -> str:
    for _ in range(5):   # the loop thread may change the set of tasks while we read it: try again
        try:
            return sim.describe_tasks()
        except RuntimeError:
            continue
    return "  (the task list kept changing)"


def _watchdog(sim: Simulation, stop: threading.Event, busy_limit: float | None, real_limit: float | None):
    """Real-time guard: a task that holds the loop for busy_limit seconds without yielding is interrupted
    (an exception raised inside it), and so is a run that outlives real_limit."""
    started = _monotonic()
    while not stop.wait(0.05):
        now = _monotonic()
        if real_limit is not None and now - started > real_limit:
            sim.fail(TimeLimitExceeded(f"real time limit of {real_limit:g} s reached at virtual time "
                                       f"{sim.now():.3f} s; still running:\n{_tasks_from_another_thread(sim)}"))
            # A loop that still turns stops at its next select; only one stuck in a step needs interrupting.
            if not stop.wait(STUCK_AFTER_S) and _monotonic() - sim.last_beat > STUCK_AFTER_S \
                    and not sim.in_select:
                _interrupt(sim, TimeLimitExceeded)
            return
        if busy_limit is not None and not sim.in_select and now - sim.last_beat > busy_limit:
            task = asyncio.tasks._current_tasks.get(sim.loop)
            peer = _peer_of(task)
            frame = sys._current_frames().get(sim.loop_thread)
            stack = student_stack_text(frame, _FRAMEWORK_FILES)
            sim.fail(BusyLoopError(
                f"{peer.name if peer else 'tester'} at virtual time {sim.now():.3f} s: task "
                f"{task.get_name() if task else '?'} ran for {busy_limit:g} s of real time without yielding "
                f"(a busy loop?). Every wait must be an `await` (asyncio.sleep, a queue, an event).\n"
                f"Where it was:\n{stack}"))
            _interrupt(sim, BusyLoopError)
            return


STUCK_AFTER_S = 1.0


def _interrupt(sim: Simulation, error_type: type) -> None:
    """Raise error_type inside the code the loop thread is running, but only while it runs the world's loop:
    landing anywhere else (in run()'s own clean-up, in the next test) would corrupt the process."""
    with sim.interrupt_lock:
        if sim.in_loop:
            sim.interrupt_sent = True
            _set_async_exc(sim.loop_thread, error_type)


def _set_async_exc(thread_id: int, error_type: type | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(error_type) if error_type else None)


def run(main: Callable[[], Awaitable], *, seed: int, clock: str = "virtual", time_limit: float | None = None,
        real_time_limit: float | None = None, schedule: str = "fifo", busy_limit: float | None = 10.0,
        on_trace: Callable[[str], None] | None = None, simulation_out: list | None = None) -> Any:
    """Run `await main()` in a fresh world and return its result; raise its exception or the world's failure.
    `simulation_out`, if given, receives the Simulation (for its trace hash) even when the run fails."""
    global _current_sim
    if _current_sim is not None:
        raise MisuseError("labrpc.run() cannot be nested: one simulated world at a time")
    sim = Simulation(seed, clock, schedule, time_limit, on_trace)
    if simulation_out is not None:
        simulation_out.append(sim)
    loop = _SimLoop(sim)
    sim.loop = loop
    random_state = random.getstate()
    random.seed(seed)
    stop_watchdog = threading.Event()
    # The watchdog thread interrupts student code that holds this loop; with the student side in a process of its
    # own (busy_limit=None) nothing here can spin, and the real-time limit is checked on every turn instead.
    guard = threading.Thread(target=_watchdog, args=(sim, stop_watchdog, busy_limit, real_time_limit),
                             daemon=True, name="raftlab-watchdog") if busy_limit is not None else None
    _current_sim, time.sleep = sim, _forbidden_sleep
    if clock == "virtual":
        for name in _WALL_CLOCKS:
            setattr(time, name, _wall_clock(name))
    try:
        asyncio.set_event_loop(loop)
        sim.start = loop.time()
        if real_time_limit is not None:
            sim.real_limit, sim.real_deadline = real_time_limit, _monotonic() + real_time_limit
        if clock == "real" and time_limit is not None:
            loop.call_at(sim.start + time_limit, lambda: sim.fail(TimeLimitExceeded(
                f"time limit of {time_limit:g} s reached; still running:\n{sim.describe_tasks()}")))
        if guard is not None:
            guard.start()
        main_task = loop.create_task(main(), name="main")
        try:
            sim.in_loop = True
            try:
                result = loop.run_until_complete(main_task)
            finally:
                with sim.interrupt_lock:
                    sim.in_loop = False
                    # An interruption that has not landed yet never will. Only when one was sent: on CPython
                    # 3.11, clearing leaves the eval breaker set, and with a trace or profile hook installed
                    # (pdb, cProfile, coverage) the interpreter then spins forever.
                    if sim.interrupt_sent:
                        _set_async_exc(sim.loop_thread, None)
        except BaseException as exc:
            if sim.failure is not None:
                raise sim.failure from (exc if exc is not sim.failure else None)
            raise
        if sim.failure is not None:
            raise sim.failure
        return result
    finally:
        stop_watchdog.set()
        if guard is not None and guard.is_alive():
            guard.join()
        try:
            _teardown(sim, loop)
        finally:
            _current_sim, time.sleep = None, _real_sleep
            for name, real in _real_clocks.items():
                setattr(time, name, real)
            asyncio.set_event_loop(None)
            random.setstate(random_state)


def _teardown(sim: Simulation, loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left and let it unwind, briefly: a dead world must not leak into the next run."""
    sim.tearing_down = True
    try:
        for _ in range(3):
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            if not pending:
                break
            for task in pending:
                task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
        for task in asyncio.all_tasks(loop):
            task._log_traceback = False   # the world is gone: nothing left to report
        with contextlib.suppress(BaseException):
            loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
