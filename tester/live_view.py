"""What `raftlab test` shows while runs go on (rich): progress with ETA, a row per test, a line per failure.

    with LiveView(console, test_names, runs_per_test) as view:
        view.started(spec)         a run began (its test row counts it as running)
        view.finished(record)      a run ended: the row's counts move; a failure also prints a line at once

Each row shows the test, passed / failed / running counts and the failing seeds; it turns red at the first failure
and green when every run of the test passed. On a terminal that is not interactive (CI logs), only the failure
lines and the final table appear.
"""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

STATUS_STYLE = {"passed": "green", "failed": "red", "timeout": "magenta", "crashed": "magenta",
                "unknown": "yellow", "nondeterministic": "yellow"}


class LiveView:
    def __init__(self, console: Console, test_names: list[str], runs_per_test: int):
        self.console = console
        self.names = test_names
        self.runs_per_test = runs_per_test
        self.done: dict[str, dict[str, int]] = {name: defaultdict(int) for name in test_names}
        self.running: dict[str, int] = defaultdict(int)
        self.failing_seeds: dict[str, list[int]] = defaultdict(list)
        self.progress = Progress(TextColumn("[bold]runs"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("eta"),
                                 TimeRemainingColumn(), console=console)
        self.task = self.progress.add_task("runs", total=len(test_names) * runs_per_test)
        self.live = Live(self._render(), console=console, refresh_per_second=4, transient=False)

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.update(self._render())
        self.live.__exit__(*exc)

    def started(self, spec) -> None:
        self.running[spec.test] += 1
        self.live.update(self._render())

    def finished(self, record) -> None:
        self.running[record.test] -= 1
        self.done[record.test][record.status] += 1
        self.progress.advance(self.task)
        if not record.passed:
            self.failing_seeds[record.test].append(record.seed)
            first_line = record.message.splitlines()[0] if record.message else ""
            style = STATUS_STYLE.get(record.status, "red")
            self.console.print(f"[{style}]{record.status.upper():>7}[/] {record.test} seed={record.seed}: "
                               f"{escape(first_line)}", markup=True, highlight=False, soft_wrap=True)
        self.live.update(self._render())

    def _render(self) -> Group:
        table = Table(box=None, pad_edge=False, show_edge=False)
        table.add_column("test", no_wrap=True)
        for header, justify in (("passed", "right"), ("failed", "right"), ("running", "right"),
                                ("of", "right"), ("failing seeds", "left")):
            table.add_column(header, justify=justify)
        for name in self.names:
            counts = self.done[name]
            bad = sum(n for status, n in counts.items() if status != "passed")
            total_done = sum(counts.values())
            style = "red" if bad else ("green" if total_done == self.runs_per_test else "")
            seeds = self.failing_seeds[name]
            table.add_row(name, str(counts["passed"]), str(bad), str(self.running[name] or ""),
                          str(self.runs_per_test), " ".join(map(str, seeds[:8])) + (" ..." if len(seeds) > 8 else ""),
                          style=style)
        return Group(self.progress, table)
