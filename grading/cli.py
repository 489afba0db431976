"""`raftlab grade`: grade a class, show progress, write reports, run inside Gradescope, build its bundle.

    raftlab grade SUBMISSIONS --rubric R [--db grades.sqlite] [--out DIR] [--workers N] [--scheduler ADDR]
        grade every submission in the folder SUBMISSIONS (student folders and .zip/.tar.gz archives); runs only
        what the database lacks, so the same command resumes after any stop; writes the reports at the end
    raftlab grade --status [--db grades.sqlite]         progress, from the database alone
    raftlab grade --init-rubric lab2|lab3|both [--rubric PATH]   a commented example rubric (to PATH or stdout)
    raftlab grade --check-rubric R                      check a rubric without running anything
    raftlab grade --gradescope --rubric R [--autograder-root /autograder]   inside a Gradescope container
    raftlab grade report [--db grades.sqlite] [--out DIR] [--rubric R]      the reports again (a new rubric
                                                        rescores from the runs it shares with the old one); exit 1
                                                        when some run is not graded yet (grades not final)
    raftlab grade gradescope-bundle RUBRIC -o autograder.zip [--install SPEC]

Exit status: 0 when every planned run of every gradable submission is graded and stored (students' failures are
grades, not errors); 1 when some run could not be stored; 2 on bad usage (a rubric's mistake names its line); 3 if a submission changed raftlab's own
files (possible only unsandboxed: grading stops); 130 when interrupted (what finished is kept: run it again).
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tester.reports import output_console


def _paths(db: str, out: str | None) -> tuple[Path, Path]:
    db_path = Path(db)
    base = db_path.with_suffix("")
    return db_path, Path(out) if out else base.parent / f"{base.name}-report"


def _load_rubric(path: str):
    from grading.rubric import RubricError, load_rubric
    try:
        return load_rubric(path)
    except RubricError as exc:
        raise click.UsageError(str(exc)) from None


def _open_store(db_path: Path, must_exist: bool = False):
    from grading.store import Store, StoreError
    if must_exist and not db_path.is_file():
        where = "" if db_path.parent.is_dir() else f" (and its folder {db_path.parent} does not exist)"
        raise click.UsageError(f"no grading database at {db_path}{where}: grade first (raftlab grade SUBMISSIONS "
                               f"--rubric R --db FILE)")
    try:   # (a new database's folder was checked by _grade, before anything was created)
        return Store(db_path)
    except StoreError as exc:
        raise click.UsageError(str(exc)) from None


class _DefaultGroup(click.Group):
    """`raftlab grade SUBMISSIONS ...` without a subcommand name means `raftlab grade run SUBMISSIONS ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        elif not args:
            args = ["run"]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup)
def grade():
    """Grade a class of submissions: `raftlab grade SUBMISSIONS --rubric rubric.toml --db grades.sqlite`.
    See `raftlab grade run --help` for every option."""


@grade.command("run")
@click.argument("submissions", required=False, type=click.Path())
@click.option("--rubric", "rubric_path", type=click.Path(), help="The rubric (TOML); see --init-rubric.")
@click.option("--db", default="grades.sqlite", show_default=True, help="The grading database (SQLite).")
@click.option("--out", default=None, help="Folder for the reports (default: <db>-report next to the database).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes (default: cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask distributed cluster (tcp://host:8786) instead of this machine.")
@click.option("--status", is_flag=True, help="Show progress from the database alone, and stop.")
@click.option("--init-rubric", type=click.Choice(["lab2", "lab3", "both"]), default=None,
              help="Write a commented example rubric (to --rubric PATH, else stdout), and stop.")
@click.option("--check-rubric", is_flag=True, help="Check --rubric (or the argument) and stop.")
@click.option("--gradescope", is_flag=True, help="Grade the one submission of a Gradescope autograder container.")
@click.option("--autograder-root", default="/autograder", show_default=True, type=click.Path(),
              help="With --gradescope: the folder laid out as Gradescope's /autograder.")
def run(submissions, rubric_path, db, out, workers, scheduler, status, init_rubric, check_rubric, gradescope,
        autograder_root):
    """Grade every submission in SUBMISSIONS (a folder of student folders and .zip / .tar.gz archives)."""
    console = output_console(highlight=False)
    if init_rubric:
        return _init_rubric(init_rubric, rubric_path)
    if check_rubric:
        return _check_rubric(console, rubric_path or submissions)
    db_path, out_dir = _paths(db, out)
    if status:
        return _status(console, db_path)
    if gradescope:
        from grading.gradescope_run import run_gradescope
        raise SystemExit(run_gradescope(console, _load_rubric(rubric_path or _missing("--rubric")),
                                        Path(autograder_root), workers))
    if not submissions:
        raise click.UsageError("give the folder of submissions: raftlab grade SUBMISSIONS --rubric R")
    folder = Path(submissions)
    if not folder.is_dir():
        raise click.UsageError(f"{submissions} is not a folder: give the folder that holds one folder or archive "
                               f"per student")
    if (folder / "raft").is_dir():
        raise click.UsageError(f"{submissions} holds raft/ itself: that is one student's work. Give the class "
                               f"folder that holds one folder or archive per student (e.g. {folder.parent})")
    if not any(not entry.name.startswith(".") for entry in folder.iterdir()):
        raise click.UsageError(f"{submissions} is empty: put one folder or archive per student in it")
    rubric = _load_rubric(rubric_path or _missing("--rubric"))
    raise SystemExit(_grade(console, Path(submissions), rubric, db_path, out_dir, workers, scheduler))


def _check_rubric(console: Console, path: str | None) -> None:
    """Check a rubric and show what it expands to: every item's tests, seeds and rule."""
    if not path:
        raise click.UsageError("give the rubric to check: raftlab grade --check-rubric rubric.toml")
    rubric = _load_rubric(path)
    console.print(f"{escape(rubric.path)}: {len(rubric.items)} item(s), {len(rubric.planned())} run(s) per "
                  f"submission, {sum(i.points for i in rubric.items):g} points, timeout {rubric.timeout:g} s "
                  f"per run, UNKNOWN counts as {rubric.unknown}", soft_wrap=True)
    for item in rubric.items:
        console.print(f"  {escape(item.name)}: {item.points:g} points, rule {item.rule}"
                      f"{f' >= {item.threshold:g}' if item.rule == 'threshold' else ''}; seeds "
                      f"{list(item.seeds)}, hidden {list(item.hidden_seeds)}; {len(item.tests)} test(s): "
                      f"{', '.join(item.tests)}", soft_wrap=True)


def _missing(option: str):
    raise click.UsageError(f"{option} is required (raftlab grade --init-rubric lab2 --rubric rubric.toml writes "
                           f"an example)")


def _init_rubric(which: str, path: str | None) -> None:
    from grading.rubric import example_rubric
    text = example_rubric(which)
    if not path:
        click.echo(text, nl=False)
        return
    target = Path(path)
    if target.exists():
        raise click.UsageError(f"{target} exists: give a new path, or remove it first")
    try:
        target.write_text(text)
    except OSError as exc:
        raise click.UsageError(f"cannot write {target}: {exc.strerror}") from None
    click.echo(f"wrote {target}: edit it, then check it with raftlab grade --check-rubric {target}")


def _grade(console: Console, folder: Path, rubric, db_path: Path, out_dir: Path, workers, scheduler) -> int:
    from grading.executor import ExecutorError, open_executor
    from grading.grade import grade_folder
    from grading.live import GradeView, totals_table
    from grading.store import StoreError
    from tester.cli import announce_isolation

    if not db_path.parent.is_dir():
        raise click.UsageError(f"cannot create {db_path}: its folder {db_path.parent} does not exist")
    try:   # before any run: grading must not end in reports it cannot write
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.UsageError(f"cannot create the report folder {out_dir}: {exc.strerror}") from None
    store = _open_store(db_path)
    try:
        store.lock()
    except StoreError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        executor = open_executor(scheduler, workers)
    except ExecutorError as exc:
        raise click.UsageError(str(exc)) from None
    announce_isolation(console, False)
    base = db_path.with_suffix("")
    started = time.monotonic()
    console.print(f"[bold]grading {escape(str(folder))} by {escape(rubric.path)} ({len(rubric.planned())} run(s) per "
                  f"submission) on {escape(executor.describe())}, results in {escape(str(db_path))}[/]",
                  soft_wrap=True)
    try:
        with GradeView(console) as view:
            outcome = grade_folder(folder, rubric, store, executor, scratch=base.parent / f"{base.name}-scratch",
                                   output_dir=base.parent / f"{base.name}-logs", view=view)
    except KeyboardInterrupt:   # before the runs began (finding and scanning submissions): nothing was lost
        console.print("[yellow]interrupted before any run finished; run the same command again[/]")
        return 130
    except StoreError as exc:
        console.print(f"[bold red]{escape(str(exc))}[/]: what finished before is kept", soft_wrap=True)
        return 1
    finally:
        executor.close()
    elapsed = time.monotonic() - started
    if outcome.stopped:
        console.print(f"[bold red]STOPPED[/]: {escape(outcome.stopped)}", soft_wrap=True)
        store.close()
        return 3
    if outcome.interrupted:
        console.print(f"[yellow]interrupted: {outcome.ran} of {outcome.planned} runs finished and are stored in "
                      f"{escape(str(db_path))}; run the same command again to go on[/]", soft_wrap=True)
        store.close()
        return 130
    grades = _write_reports(store, rubric, out_dir)
    store.close()
    console.print(totals_table(grades))
    problems = sum(bool(sub.problem) for sub in outcome.submissions)
    console.print(f"{len(outcome.submissions)} submission(s): {len(outcome.submissions) - problems} graded, "
                  f"{problems} cannot be graded; {outcome.ran} run(s) now, {outcome.planned - outcome.ran} missing, "
                  f"in {elapsed:.1f} s", soft_wrap=True)
    console.print(f"reports: {escape(str(out_dir))} (gradebook.csv, index.html, feedback/, grades.json)",
                  soft_wrap=True)
    return 0 if outcome.ran == outcome.planned else 1


def _write_reports(store, rubric, out_dir: Path):
    """Write every report; returns the ClassGrades they show."""
    from grading.reports import ReportError, write_reports
    from grading.scoring import grade_class
    grades = grade_class(rubric, store)
    try:
        write_reports(grades, out_dir, runs=store.runs())
    except ReportError as exc:
        raise click.UsageError(f"{exc} (the grades are safe in {store.path}: write the reports elsewhere with "
                               f"raftlab grade report --db {store.path} --out DIR)") from None
    return grades


@grade.command("report")
@click.option("--db", default="grades.sqlite", show_default=True, help="The grading database.")
@click.option("--out", default=None, help="Folder for the reports (default: <db>-report).")
@click.option("--rubric", "rubric_path", default=None, type=click.Path(),
              help="Score with this rubric instead of the one the database was graded with.")
def report(db, out, rubric_path):
    """Write the gradebook CSV, per-student feedback, the class page and JSON from a grading database."""
    from grading.rubric import RubricError, parse_rubric
    db_path, out_dir = _paths(db, out)
    store = _open_store(db_path, must_exist=True)
    if rubric_path:
        rubric = _load_rubric(rubric_path)
    else:
        text = store.rubric_text()
        if text is None:
            raise click.UsageError(f"{db_path} holds no rubric yet: grade first, or give --rubric")
        try:
            rubric = parse_rubric(text, f"{db_path}:rubric")
        except RubricError as exc:
            raise click.UsageError(f"the rubric stored in the database no longer checks: {exc}") from None
    grades = _write_reports(store, rubric, out_dir)
    store.close()
    click.echo(f"reports: {out_dir}")
    missing = sum(student.missing for student in grades.students)
    if missing:
        # Reports of an unfinished grading are useful, but must not pass for final grades.
        click.echo(f"warning: {missing} run(s) of {sum(s.missing > 0 for s in grades.students)} submission(s) are "
                   f"not graded yet and count as not passed (column missing_runs): these grades are NOT final. "
                   f"Run raftlab grade SUBMISSIONS --rubric R --db {db_path} to finish.", err=True)
        raise SystemExit(1)


def _status(console: Console, db_path: Path) -> None:
    from grading.rubric import parse_rubric
    store = _open_store(db_path, must_exist=True)
    text = store.rubric_text()
    planned = parse_rubric(text, "stored rubric").planned() if text else []
    runs = store.runs()
    done: dict[str, int] = {}
    failed: dict[str, int] = {}
    for row in runs:
        done[row.submission] = done.get(row.submission, 0) + 1
        failed[row.submission] = failed.get(row.submission, 0) + (not row.passed)
    table = Table(title=f"{db_path}: {len(runs)} run(s) stored", title_justify="left")
    for header in ("submission", "runs done", "failing runs", "state"):
        table.add_column(header)
    subs = store.submissions()
    complete = 0
    for sub, _ in subs:
        n = done.get(sub.name, 0)
        state = ("cannot grade: " + sub.problem) if sub.problem else (
            "complete" if n >= len(planned) else ("not started" if n == 0 else "partial"))
        complete += state == "complete"
        table.add_row(escape(sub.name), f"{n}/{len(planned) if not sub.problem else 0}",
                      str(failed.get(sub.name, 0)), escape(state))
    console.print(table)
    gradable = sum(not sub.problem for sub, _ in subs)
    console.print(f"{complete}/{gradable} gradable submission(s) complete; "
                  f"{len(subs) - gradable} cannot be graded", soft_wrap=True)
    store.close()


@grade.command("gradescope-bundle")
@click.argument("rubric_path", type=click.Path())
@click.option("-o", "--output", "out", default="autograder.zip", show_default=True, type=click.Path())
@click.option("--install", default=None, help="What setup.sh pip-installs: a requirement, or a wheel/sdist file "
                                              "copied into the bundle (default: raftlab[grade]==THIS_VERSION).")
def gradescope_bundle(rubric_path, out, install):
    """Build Gradescope's autograder zip (setup.sh, run_autograder, the rubric) for RUBRIC."""
    from grading.gradescope import write_bundle
    if not Path(out).resolve().parent.is_dir():
        raise click.UsageError(f"cannot write {out}: its folder {Path(out).parent} does not exist")
    try:
        path = write_bundle(Path(rubric_path), Path(out), install=install or _pinned())
    except ValueError as exc:   # RubricError (naming the line) or an --install file that is not there
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment")


def _pinned() -> str:
    """raftlab[grade] at the version that builds the bundle: the autograder grades as this install does."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return f"raftlab[grade]=={version('raftlab')}"
    except PackageNotFoundError:
        return "raftlab[grade]"
