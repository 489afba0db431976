"""Run one lab test in a fresh simulated world, and say how it went. The CLI, pytest and the runners use this.

    run_test(test, *, seed, impl=None, clock="virtual", schedule="fifo", quiet=False, printer=None, on_trace=None,
             real_time_limit=None)
        test: a Go test name ("TestInitialElection2A") or a registry.LabTest; impl: see tester.impl.load_impl.
        Prints (unless quiet) the title, the Go-style Passed line with seed=N, or on failure the message and the
        exact replay command; printer(text, kind) replaces print (kinds: title, passed, warning, info, fail);
        on_trace(line) receives every trace event of the simulation (see labrpc.run); real_time_limit stops a
        run that takes longer than that many real seconds (it fails, listing its tasks).
        Never raises for a failing test: student exceptions, harness fatals, deadlocks, busy loops, the time
        limit and a broken --impl all become a failed RunResult with their message.
    RunResult(test, seed, passed, message, virtual_s, real_s, rpcs, bytes, trace_hash, output, unknown)
        unknown: no check failed but one could not decide (t.unknown, the message): passed is False then
    replay_command(test_name, seed, impl=None, clock="virtual", schedule="fifo") -> "raftlab replay ... --seed N"
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

import labrpc

from tester import registry
from tester.impl import Impl, ImplError, load_impl
from tester.raft_config import TEST_TIME_LIMIT
from tester.testing import T, TestFailure


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


def replay_command(test_name: str, seed: int, impl=None, clock: str = "virtual", schedule: str = "fifo") -> str:
    words = ["raftlab", "replay", test_name, "--seed", str(seed)]
    if impl is not None:
        words += ["--impl", impl.spec if isinstance(impl, Impl) else str(impl)]
    if clock != "virtual":
        words += ["--clock", clock]
    if schedule != "fifo":
        words += ["--schedule", schedule]
    return " ".join(words)


def _print_plain(text: str, kind: str) -> None:
    print(text, flush=True)


def run_test(test, *, seed: int, impl=None, clock: str = "virtual", schedule: str = "fifo", quiet: bool = False,
             printer=None, on_trace=None, real_time_limit: float | None = None) -> RunResult:
    lab_test = test if isinstance(test, registry.LabTest) else registry.get(test)
    out = None if quiet else (printer or _print_plain)
    t = T(lab_test.name, lab_test.title, None, seed, out)
    t.sections = lab_test.sections
    sims: list = []
    real0 = time.perf_counter()
    message = ""
    try:
        t.impl = load_impl(impl)

        async def main():
            await t.run(lab_test.fn)

        labrpc.run(main, seed=seed, clock=clock, schedule=schedule, time_limit=TEST_TIME_LIMIT,
                    on_trace=on_trace, real_time_limit=real_time_limit, simulation_out=sims)
    except (TestFailure, ImplError) as exc:
        message = str(exc)
    except labrpc.TimeLimitExceeded as exc:
        message = f"test took longer than {TEST_TIME_LIMIT:.0f} seconds ({exc})"
    except labrpc.SimulationError as exc:
        message = str(exc)
    except Exception as exc:   # a tester bug, or student code failing outside any guarded call
        message = f"unexpected {type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc)).rstrip()}"
    real_s = time.perf_counter() - real0
    sim = sims[0] if sims else None
    virtual_s = sim.now() if sim is not None else 0.0
    rpcs, nbytes = t.cfg.counters() if t.cfg is not None else (0, 0)
    unknown = not message and bool(t.unknown)
    message = message or t.unknown
    passed = not message
    if not passed:
        verdict, kind = ("UNKNOWN", "warning") if unknown else ("FAIL", "fail")
        t.print(f"--- {verdict}: {lab_test.name} ({virtual_s:.2f} s virtual, {real_s:.2f} s real)  seed={seed}", kind)
        t.print("    " + message.replace("\n", "\n    "), kind)
        t.print(f"    replay: {replay_command(lab_test.name, seed, impl, clock, schedule)}", "info")
    return RunResult(lab_test.name, seed, passed, message, virtual_s, real_s, rpcs, nbytes,
                     sim.trace_hash() if sim is not None else "", "\n".join(t.lines), unknown)
