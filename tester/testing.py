"""The tester's `testing.T`: one running lab test, its failure, its output, its goroutines.

    TestFailure(message)            a harness "fatal": fails the running test at once with the Go message
    t = T(name, title, impl, seed, printer=None)
    t.fatalf(message)               raise TestFailure(message) (Go t.Fatalf)
    t.fail_now(exc)                 from a background task: record the failure, cancel the test body at once
    t.go(coro) -> Task              a tester goroutine; an exception in it fails the test (like t.Fatalf in Go)
    await t.wait_all(tasks) -> list results of tester goroutines (Go's WaitGroup)
    t.defer(fn)                     run fn (sync or async) after the body, even when it failed (Go defer)
    t.print(text, kind="info")      a line of test output; kind: title, passed, warning, info
    t.begin(title)                  print "<title> ..." (must be the registered title) and start the real clock
    t.passed(fields)                print "  ... Passed --<fields>" plus the real seconds since begin and the seed
    await t.run(fn)                 run `await fn(t)`, then the deferred calls; raise the test's failure
    t.failed, t.failure, t.failed_at (virtual seconds), t.lines (the output), t.cfg (the harness, once made)
    t.students                      where student code runs (tester.students): the harness makes peers through it
    t.completed                     True only once the body and the deferred calls ran to their end without failure
    t.sections                      titles of further begin/end sections (registry.LabTest.sections) begin accepts
    t.unknown                       set (to the reason) when a check could not decide, e.g. a linearizability check
                                    out of time: the run is then reported as unknown, never as passed
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Awaitable, Callable

import labrpc


class TestFailure(Exception):
    """A harness fatal error: the test fails with this message (the Go tester's t.Fatalf / log.Fatalf)."""

    __test__ = False   # not a pytest test class


class T:
    __test__ = False

    def __init__(self, name: str, title: str, impl, seed: int, printer: Callable[[str, str], None] | None = None):
        self.name, self.title, self.impl, self.seed = name, title, impl, seed
        self.sections: tuple[str, ...] = ()
        self.unknown = ""
        self.printer = printer
        self.lines: list[str] = []
        self.failure: BaseException | None = None
        self.failed_at: float | None = None
        self.cfg = None                      # set by make_config: run_one reads its counters
        self.students = None                 # where student code runs (tester.students), set by run_one
        self.completed = False               # the body ran to its end and every deferred call ran: the only pass
        self._body: asyncio.Task | None = None
        self._deferred: list[Callable[[], Any]] = []
        self._real_begin = time.perf_counter()

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def print(self, text: str, kind: str = "info") -> None:
        self.lines.append(text)
        if self.printer is not None:
            self.printer(text, kind)

    def begin(self, title: str) -> None:
        if self.title is not None and title not in (self.title, *self.sections):
            raise TestFailure(f"harness bug: {self.name} begins with title {title!r} but is registered as "
                              f"{self.title!r}")
        self.print(f"{title} ...", "title")
        self._real_begin = time.perf_counter()

    def passed(self, fields: str) -> None:
        real = time.perf_counter() - self._real_begin
        self.print(f"  ... Passed --{fields}   real {real:.2f} s  seed={self.seed}", "passed")

    def fatalf(self, message: str):
        raise TestFailure(message)

    def fail_now(self, exc: BaseException) -> None:
        """Fail the test from anywhere (an applier, a client goroutine): the first failure wins, and the test
        body is cancelled at once so that it stops where it stands, as Go's log.Fatalf stops the process."""
        if self.failure is None:
            self.failure = exc
            self.failed_at = labrpc.now()
        if self._body is not None and not self._body.done():
            self._body.cancel()

    def go(self, coro: Awaitable, name: str | None = None) -> asyncio.Task:
        async def goroutine():
            try:
                return await coro
            except asyncio.CancelledError:
                raise
            except Exception as exc:   # a failure in any tester goroutine is the test's failure
                self.fail_now(exc)
                raise asyncio.CancelledError from exc
        task = asyncio.get_running_loop().create_task(goroutine(), name=name)
        if inspect.iscoroutine(coro):   # cancelled before it ever ran (a crash1 right after start1): no warning
            task.add_done_callback(lambda _: coro.close())
        return task

    async def wait_all(self, tasks: list[asyncio.Task]) -> list:
        if tasks:
            await asyncio.wait(tasks)
        return [None if task.cancelled() else task.result() for task in tasks]

    def defer(self, fn: Callable[[], Any]) -> None:
        self._deferred.append(fn)

    def _body_done(self, body: asyncio.Task) -> None:
        if not body.cancelled() and body.exception() is not None:
            self.fail_now(body.exception())

    async def run(self, fn: Callable[[T], Awaitable]) -> None:
        self._body = asyncio.get_running_loop().create_task(fn(self), name=f"test {self.name}")
        self._body.add_done_callback(self._body_done)   # at once: labrpc fails the run on unretrieved exceptions
        await asyncio.wait([self._body])
        for fn_deferred in reversed(self._deferred):   # like Go defers: last registered runs first
            try:
                result = fn_deferred()
                if inspect.isawaitable(result):
                    await result
            except BaseException as exc:
                if self.failure is None:
                    self.fail_now(exc)
        if self.failure is not None:
            raise self.failure
        if self._body.cancelled():
            raise TestFailure("the test was cancelled without a failure (harness bug)")
        self.completed = True
