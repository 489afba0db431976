"""Run one lab test in a fresh simulated world, and say how it went. The CLI, pytest and the runners use this.

    run_test(test, *, seed, impl=None, clock="virtual", schedule="fifo", quiet=False, printer=None, on_trace=None,
             real_time_limit=None, in_process=False, log_topics=None, sink=None, recorder=None)
        test: a Go test name ("TestInitialElection2A") or a registry.LabTest; impl: see tester.impl.load_impl.
        Student code runs in a process of its own (tester.students) unless in_process (debugging only: not
        isolated); log_topics: None (student logs off), [] (every topic) or a list of topics; sink(text) receives
        what student code prints and logs (default: this process's stdout, or nothing when quiet).
        Prints (unless quiet) the title, the Go-style Passed line with seed=N, or on failure the message, the
        trace hash and the exact replay command (with --expect-hash when the run replays exactly);
        printer(text, kind) replaces print (kinds: title, passed, warning, info, fail); on_trace(line) receives
        every trace event of the simulation (see labrpc.run); real_time_limit stops a run that takes longer than
        that many real seconds (it fails, listing its tasks); recorder: a tester.timeline.Recorder that records the
        run to draw it (it sees the student's log lines too; it changes nothing in the run), finished here.
        Never raises for a failing test: student exceptions, harness fatals, deadlocks, busy loops, the time
        limit and a broken --impl all become a failed RunResult with their message. Raises TesterTampered only
        when raftlab's own files changed during the run (possible only unsandboxed): no verdict can be trusted.
    RunResult(test, seed, passed, message, virtual_s, real_s, rpcs, bytes, trace_hash, output, unknown, exact)
        unknown: no check failed but one could not decide (t.unknown, the message): passed is False then;
        exact: the trace is a function of the code, the seed and the mode, so a replay must give trace_hash again
        (False on the real clock, or when real time stopped the run: --timeout, a busy loop)
    replay_command(test_name, seed, impl=None, clock="virtual", schedule="fifo", in_process=False, expect_hash=None)
        -> "raftlab replay TEST --seed N ... [--expect-hash H]" (the hash only on the virtual clock), one line
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass

import labrpc

from tester import registry
from tester.impl import Impl, ImplError
from tester.raft_config import TEST_TIME_LIMIT
from tester.students import open_students
from tester.students.integrity import tester_files_changed
from tester.students.sandbox import SandboxUnavailable
from tester.testing import T, TestFailure

BUSY_LIMIT_IN_PROCESS_S = 10.0   # the watchdog's, when student code runs in this process


class TesterTampered(Exception):
    """raftlab's own files changed while student code ran: every later result of this install is suspect."""


@dataclass
class RunResult:
    test: str
    seed: int
    passed: bool
    message: str
    virtual_s: float
    real_s: float
    rpcs: int
    bytes: int
    trace_hash: str
    output: str
    unknown: bool = False
    exact: bool = True


def replay_command(test_name: str, seed: int, impl=None, clock: str = "virtual", schedule: str = "fifo",
                   in_process: bool = False, expect_hash: str | None = None) -> str:
    """The command that runs this run again; with expect_hash, it also checks that it took the same path."""
    words = ["raftlab", "replay", test_name, "--seed", str(seed)]
    if impl is not None:
        words += ["--impl", impl.spec if isinstance(impl, Impl) else str(impl)]
    if clock != "virtual":
        words += ["--clock", clock]
    if schedule != "fifo":
        words += ["--schedule", schedule]
    if in_process:
        words.append("--in-process")
    if expect_hash and clock == "virtual":   # on the real clock no two runs share a trace
        words += ["--expect-hash", expect_hash]
    return " ".join(words)


def _print_plain(text: str, kind: str) -> None:
    print(text, flush=True)


def echo(text: str) -> None:
    """Student output as it comes, on standard output (the default sink of a run that is not quiet)."""
    sys.stdout.write(text)
    sys.stdout.flush()


class _SinkStream:
    """A file-like front for a sink, for logging's StreamHandler (in-process runs)."""

    def __init__(self, sink):
        self.write = sink

    def flush(self) -> None:
        pass


def run_test(test, *, seed: int, impl=None, clock: str = "virtual", schedule: str = "fifo", quiet: bool = False,
             printer=None, on_trace=None, real_time_limit: float | None = None, in_process: bool = False,
             log_topics=None, sink=None, recorder=None) -> RunResult:
    lab_test = test if isinstance(test, registry.LabTest) else registry.get(test)
    out = None if quiet else (printer or _print_plain)
    sink = sink if sink is not None else (None if quiet else echo)
    if recorder is not None:
        sink = recorder.tee(sink)
    t = T(lab_test.name, lab_test.title, impl, seed, out)
    t.sections = lab_test.sections
    sims: list = []
    real0 = time.perf_counter()
    message = ""
    stopped_by_real_time = False   # then where the run stopped depends on the machine, not on the seed
    students = handler = None
    try:
        t.students = students = open_students(impl, in_process=in_process, log_topics=log_topics, sink=sink)
        isolated = students.mode == "isolated"
        if recorder is not None:
            recorder.isolated = isolated
        if not isolated and log_topics is not None:
            handler = labrpc.enable_logging(_SinkStream(sink or echo), topics=log_topics or None)

        async def main():
            if recorder is not None:
                recorder.attach()
            students.attach()
            await t.run(lab_test.fn)

        labrpc.run(main, seed=seed, clock=clock, schedule=schedule, time_limit=TEST_TIME_LIMIT, on_trace=on_trace,
                   real_time_limit=real_time_limit, simulation_out=sims,
                   busy_limit=None if isolated else BUSY_LIMIT_IN_PROCESS_S)
    except (TestFailure, ImplError, SandboxUnavailable) as exc:
        message = str(exc)
    except labrpc.TimeLimitExceeded as exc:
        # Go's message is for the test's own 120 s; the per-run real-time limit (--timeout) says what it is.
        stopped_by_real_time = str(exc).startswith("real time limit")
        message = str(exc) if stopped_by_real_time else f"test took longer than {TEST_TIME_LIMIT:.0f} seconds ({exc})"
    except labrpc.SimulationError as exc:
        # A busy loop: in this process, the watchdog's BusyLoopError; isolated, the student side's "busy loop: ...".
        stopped_by_real_time = isinstance(exc, labrpc.BusyLoopError) or str(exc).startswith("busy loop")
        message = str(exc)
    except Exception as exc:   # a tester bug, or student code failing outside any guarded call
        message = f"unexpected {type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc)).rstrip()}"
    finally:
        if students is not None:
            students.close()
        if handler is not None:
            labrpc.disable_logging(handler)
    changed = tester_files_changed()   # unsandboxed, student code could have written them
    if changed:
        raise TesterTampered(f"raftlab's own files changed while {lab_test.name} seed={seed} ran "
                             f"({', '.join(changed[:5])}): the submission wrote into the tester's install. No result "
                             f"of this install can be trusted: reinstall raftlab, and install bubblewrap so that "
                             f"student code runs sandboxed")
    real_s = time.perf_counter() - real0
    sim = sims[0] if sims else None
    virtual_s = sim.now() if sim is not None else 0.0
    rpcs, nbytes = t.cfg.counters() if t.cfg is not None else (0, 0)
    unknown = not message and bool(t.unknown)
    message = message or t.unknown
    if not message and not t.completed:   # positive evidence only: the test body must be seen to finish
        message = "the test did not run to its end (harness bug?)"
    passed = not message
    trace_hash = sim.trace_hash() if sim is not None else ""
    exact = clock == "virtual" and not stopped_by_real_time
    if recorder is not None:
        recorder.finish(message, t.failed_at, virtual_s, t.failure, trace_hash)
    if not passed:
        verdict, kind = ("UNKNOWN", "warning") if unknown else ("FAIL", "fail")
        t.print(f"--- {verdict}: {lab_test.name} ({virtual_s:.2f} s virtual, {real_s:.2f} s real)  seed={seed}", kind)
        t.print("    " + message.replace("\n", "\n    "), kind)
        inexact = "" if exact else " (it depends on real time: a replay's will differ)"
        t.print(f"    trace hash: {trace_hash}{inexact}", "info")
        command = replay_command(lab_test.name, seed, impl, clock, schedule, in_process, trace_hash if exact else None)
        t.print(f"    replay: {command}", "info")
    return RunResult(lab_test.name, seed, passed, message, virtual_s, real_s, rpcs, nbytes, trace_hash,
                     "\n".join(t.lines), unknown, exact)
