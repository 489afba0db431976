"""What `raftlab grade` shows while it grades (rich): submissions and runs done of total, ETA, failures as they come.

    with GradeView(console) as view:
        view.planned(submissions, specs)    what this grading will run (only what the database lacks)
        view.started(spec)                  a run began
        view.finished(record, row)          a run ended and is stored: progress moves; a failure prints a line
        view.note(text)                     a warning line
    headline(message) -> str                the line that says what went wrong: the first, and when it ends with
                                            ":" (a traceback follows), the last too
    totals_table(grades) -> rich Table      a row per student: score of max, failing runs, problem

A submission counts as done when its last planned run is stored. On a terminal that is not interactive (a log file,
CI) the progress bars are not drawn; the failure lines and the final summary are.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table
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
        self.failing: Counter = Counter()   # failing runs so far, per submission
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
        if not record.passed:
            self.failures += 1
            self.failing[record.tag] += 1
            first = headline(record.message)
            style = STATUS_STYLE.get(record.status, "red")
            self.console.print(f"[{style}]{record.status}[/] {escape(record.tag)} {record.test} seed={record.seed}"
                               f"{' (hidden)' if row.hidden else ''}: {escape(first[:300])}", soft_wrap=True,
                               highlight=False)
        if self.left[record.tag] == 0:
            self.progress.advance(self.subs_task)
            if not self.console.is_terminal:   # no progress bar in a log: a line per submission instead
                done = self.progress.tasks[self.subs_task]
                self.console.print(f"[{done.completed:g}/{done.total:g}] {escape(record.tag)}: its runs are done, "
                                   f"{self.failing[record.tag]} failing", soft_wrap=True, highlight=False)


def headline(message: str) -> str:
    """The first line of a run's message; with its last line when the first ends in ":" (an import failure's
    "importing raft failed:" is followed by a traceback whose last line is the SyntaxError)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    return f"{lines[0]} {lines[-1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]


def totals_table(grades) -> Table:
    """The class at a glance, for the end of a grading: a row per student."""
    table = Table(title=f"{grades.rubric.title}: {len(grades.students)} submission(s)", title_justify="left")
    for header, justify in (("student", "left"), ("points", "right"), ("failing runs", "right"),
                            ("note", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    for student in grades.students:
        failing = len({(run.test, run.seed) for item in student.items for run in item.failures})
        note = ("cannot grade: " + student.submission.problem if student.submission.problem else
                f"{student.missing} run(s) not graded yet" if student.missing else "")
        table.add_row(escape(student.submission.name), f"{student.total:g} / {student.max_total:g}", str(failing),
                      escape(note))
    return table
