"""What `raftlab test` shows while runs go on (rich): progress with ETA, a row per test, a line per failure.

    with LiveView(console, test_names, runs_per_test) as view:
        view.started(spec)         a run began (its test row counts its seed as running)
        view.finished(record)      a seed's verdict is in: the row's counts move; a failure also prints a line at once

Everything is counted in seeds (verdicts): with the determinism check a seed runs twice and gives one record, so
runs_per_test is the number of seeds, and a seed is running from its first run's start to its verdict.
Each row shows the test, passed / failed / running counts and the failing seeds; it turns red at the first failure
and green when every run of the test passed. When the console is not an interactive terminal (CI logs, a pipe,
`| tee`), no live frame is printed at all: only the failure lines, as they come.
"""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from tester.reports import printable

STATUS_STYLE = {"passed": "green", "failed": "red", "timeout": "magenta", "crashed": "magenta",
                "unknown": "yellow", "nondeterministic": "yellow"}


class LiveView:
    def __init__(self, console: Console, test_names: list[str], runs_per_test: int):
        self.console = console
        self.names = test_names
        self.runs_per_test = runs_per_test
        self.done: dict[str, dict[str, int]] = {name: defaultdict(int) for name in test_names}
        # Seeds, not runs: the determinism check's two runs of a seed start separately but end in one record.
        self.running: dict[str, set] = defaultdict(set)
        self.failing_seeds: dict[str, list[int]] = defaultdict(list)
        self.progress = Progress(TextColumn("[bold]runs"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("eta"),
                                 TimeRemainingColumn(), console=console)
        self.task = self.progress.add_task("runs", total=len(test_names) * runs_per_test)
        # Off a terminal, rich's Live would print its last frame as plain text, glued to whatever comes next.
        self.live = (Live(self._render(), console=console, refresh_per_second=4, transient=False)
                     if console.is_interactive else None)

    def __enter__(self) -> LiveView:
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.running.clear()   # whatever was still running (Ctrl-C) is not any more
        if self.live:
            self.live.update(self._render())
            self.live.__exit__(*exc)

    def started(self, spec) -> None:
        self.running[spec.test].add((spec.seed, spec.tag))
        self._refresh()

    def finished(self, record) -> None:
        self.running[record.test].discard((record.seed, record.tag))
        self.done[record.test][record.status] += 1
        self.progress.advance(self.task)
        if not record.passed:
            self.failing_seeds[record.test].append(record.seed)
            message = printable(record.message)
            first_line = message.splitlines()[0] if message else ""
            style = STATUS_STYLE.get(record.status, "red")
            self.console.print(f"[{style}]{record.status.upper():>7}[/] {record.test} seed={record.seed}: "
                               f"{escape(first_line)}", markup=True, highlight=False, soft_wrap=True)
        self._refresh()

    def _refresh(self) -> None:
        if self.live:
            self.live.update(self._render())

    def _render(self) -> Group:
        table = Table(box=None, pad_edge=False, show_edge=False)
        # A narrow terminal shortens the test names, never the counts.
        table.add_column("test", overflow="ellipsis", min_width=8)
        for header in ("passed", "failed", "running", "of"):
            table.add_column(header, justify="right", no_wrap=True)
        table.add_column("failing seeds")
        for name in self.names:
            counts = self.done[name]
            bad = sum(n for status, n in counts.items() if status != "passed")
            total_done = sum(counts.values())
            style = "red" if bad else ("green" if total_done == self.runs_per_test else "")
            seeds = self.failing_seeds[name]
            table.add_row(name, str(counts["passed"]), str(bad), str(len(self.running[name]) or ""),
                          str(self.runs_per_test), " ".join(map(str, seeds[:8])) + (" ..." if len(seeds) > 8 else ""),
                          style=style)
        return Group(self.progress, table)
