"""What `raftlab grade` shows while it grades (rich): submissions and runs done of total, ETA, failures as they come.

    with GradeView(console) as view:
        view.planned(submissions, specs)    what this grading will run (only what the database lacks)
        view.started(spec)                  a run began
        view.finished(record, row)          a run ended and is stored: progress moves; a failure prints a line
        view.note(text)                     a warning line

A submission counts as done when its last planned run is stored. On a terminal that is not interactive (a log file,
CI) the progress bars are not drawn; the failure lines and the final summary are.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tester.live_view import STATUS_STYLE


class GradeView:
    """The live view of one grading; see the module docstring."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                                 disable=not console.is_terminal)
        self.left: Counter = Counter()   # runs still to come, per submission
        self.failures = 0

    def __enter__(self) -> GradeView:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def planned(self, submissions, specs) -> None:
        self.left = Counter(spec.tag for spec in specs)
        gradable = [s for s in submissions if not s.problem]
        self.subs_task = self.progress.add_task("submissions", total=len(gradable),
                                                completed=len(gradable) - len(self.left))
        self.runs_task = self.progress.add_task("runs", total=len(specs))
        for sub in submissions:
            if sub.problem:
                self.console.print(f"[yellow]cannot grade[/] {escape(sub.name)}: {escape(sub.problem)}",
                                   soft_wrap=True)

    def started(self, spec) -> None:
        pass

    def note(self, text: str) -> None:
        self.console.print(f"[yellow]{escape(text)}[/]", soft_wrap=True)

    def finished(self, record, row) -> None:
        self.progress.advance(self.runs_task)
        self.left[record.tag] -= 1
        if self.left[record.tag] == 0:
            self.progress.advance(self.subs_task)
        if not record.passed:
            self.failures += 1
            first = record.message.splitlines()[0] if record.message else ""
            style = STATUS_STYLE.get(record.status, "red")
            self.console.print(f"[{style}]{record.status}[/] {escape(record.tag)} {record.test} seed={record.seed}"
                               f"{' (hidden)' if row.hidden else ''}: {escape(first[:200])}", soft_wrap=True,
                               highlight=False)
