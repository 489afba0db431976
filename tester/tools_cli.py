"""`raftlab replay`, `raftlab logs` and `raftlab init` (added to the `raftlab` group by tester.cli).

    raftlab replay TEST --seed S [--impl DIR] [--clock ...] [--schedule ...] [--topics T,..] [--expect-hash H]
                   [--in-process] [--timeout S] [--html FILE]
        run exactly that run again with log lines shown (student code in a process of its own, unless
        --in-process); print its trace hash. --html FILE: also draw the run as one interactive page
        (tester.timeline), a usage error naming FILE when its folder is missing or it is a directory. Exit
        status 0 if the run passed (with the expected hash), 1 if it failed, 2 on bad usage, 3 if raftlab's own
        files changed, 4 if the hash is not the expected one (the code or the mode changed, or the code is not
        deterministic), 130 when interrupted
    raftlab logs FILE|- [--just T,..] [--ignore T,..] [--columns]
        show a log with a colour per topic, optionally a column per peer
        (exit 2 naming the file when it is not a raftlab log: binary, empty, or no line of it a log line)
    raftlab init DIR
        copy the student template (raft/, kvraft/, README.md) into DIR, a new folder or one without them; exit 1
        naming the path when it cannot be written (nothing half-written is left)
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path

import click
from rich.console import Console

from tester import registry
from tester.impl import ImplError
from tester.log_view import NotALog, show_log, text_lines
from tester.run_one import TesterTampered, echo, replay_command, run_test
from tester.students import check_impl
from tester.timeline import Recorder
from tester.timeline.page import check_html_path, write_timeline


def _topics(value: str | None) -> list[str]:
    return [t.strip().upper() for t in value.split(",") if t.strip()] if value else []


@click.command()
@click.argument("test_name")
@click.option("--seed", type=int, required=True, help="The seed of the run to replay.")
@click.option("--impl", default=None, metavar="DIR|MODULE", help="Your raft/ (and kvraft/) folder, as for test.")
@click.option("--clock", type=click.Choice(["virtual", "real"]), default="virtual", show_default=True)
@click.option("--schedule", type=click.Choice(["fifo", "shuffle"]), default="fifo", show_default=True)
@click.option("--topics", default=None, metavar="T1,T2", help="Show only these log topics (default: all).")
@click.option("--quiet-logs", is_flag=True, help="Do not show log lines (only the test's own output).")
@click.option("--expect-hash", default=None, metavar="HASH",
              help="The trace hash the failing run printed: exit 4 if this run's differs.")
@click.option("--in-process", is_flag=True,
              help="Debugging only, NOT isolated: run student code in this process (pdb, breakpoint(), profilers).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Real seconds the run may take.")
@click.option("--html", "html", default=None, metavar="FILE",
              help="Also write the run as an interactive timeline (one self-contained HTML file).")
def replay(test_name, seed, impl, clock, schedule, topics, quiet_logs, expect_hash, in_process, timeout, html):
    """Run one test with one seed again, exactly, with all log output shown.

    \b
    Exit status:
      0    the run passed (and its trace hash is the one --expect-hash gave)
      1    the run failed
      2    bad usage
      3    raftlab's own files changed during the run (possible only unsandboxed)
      4    the trace hash differs from --expect-hash: the code or the mode
           changed, or the code is not deterministic
      130  interrupted
    """
    from tester.cli import announce_isolation
    try:
        lab_test = registry.get(test_name)
        check_impl(impl, {lab_test.package}, in_process)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    except ImplError as exc:
        raise click.UsageError(str(exc)) from None
    unwritable = check_html_path(html) if html is not None else None
    if unwritable:
        raise click.BadParameter(unwritable, param_hint="--html")
    announce_isolation(Console(highlight=False, stderr=True), in_process)
    recorder = Recorder(lab_test.name, seed) if html is not None else None
    shown = []   # what the student side printed: with --topics, nothing at all means no line had those topics

    def sink(text: str) -> None:
        shown.append(len(text))
        echo(text)
    try:
        result = run_test(lab_test, seed=seed, impl=impl, clock=clock, schedule=schedule, in_process=in_process,
                          log_topics=None if quiet_logs else _topics(topics), real_time_limit=timeout,
                          recorder=recorder, sink=sink)
    except TesterTampered as exc:
        click.echo(f"STOPPED: {exc}")
        sys.exit(3)
    except KeyboardInterrupt:
        click.echo("interrupted: the run has no verdict")
        sys.exit(130)
    if _topics(topics) and not quiet_logs and not shown:
        click.echo(f"(no log line had topic {', '.join(_topics(topics))}: a topic is the first argument of "
                   f"labrpc.dlog, such as VOTE; without --topics every topic is shown)")
    click.echo(f"trace hash: {result.trace_hash}")
    if recorder is not None:
        command = replay_command(lab_test.name, seed, impl, clock, schedule, in_process,
                                 result.trace_hash if result.exact else None)
        try:
            click.echo(f"timeline: {write_timeline(recorder, html, replay=command)}")
        except OSError as exc:
            click.echo(f"error: cannot write the timeline {html}: {exc.strerror or exc}", err=True)
            sys.exit(1)
    if expect_hash and expect_hash.strip() != result.trace_hash:
        if not result.exact:   # where it stopped depends on the machine: nothing to compare
            click.echo(f"(not compared with --expect-hash: this run's trace depends on real time, "
                       f"{'the real clock' if clock == 'real' else 'it was stopped by a real-time limit'})")
        else:
            click.echo(f"TRACE DIFFERS: expected {expect_hash.strip()}, got {result.trace_hash}: this run did not "
                       f"replay the recorded one. Either the code changed since (the submission or raftlab), or the "
                       f"mode differs (--in-process, --schedule: replay with the options printed), or the code is not "
                       f"deterministic (`raftlab test {lab_test.name} --seed {seed}"
                       f"{f' --impl {shlex.quote(str(impl))}' if impl else ''}{' --in-process' if in_process else ''} "
                       f"--check-determinism` tells)")
            sys.exit(4)
    sys.exit(0 if result.passed else 1)


@click.command()
@click.argument("file", type=click.File("rb"))
@click.option("--just", default=None, metavar="T1,T2", help="Show only these topics.")
@click.option("--ignore", default=None, metavar="T1,T2", help="Hide these topics.")
@click.option("--columns", is_flag=True, help="Put each peer in its own column.")
def logs(file, just, ignore, columns):
    """Show a raftlab log (FILE, or - for standard input) with a colour per topic."""
    try:
        show_log(text_lines(file), Console(highlight=False), just=_topics(just), ignore=_topics(ignore),
                 columns=columns)
    except NotALog as exc:
        raise click.BadParameter(f"{file.name}: {exc}", param_hint="FILE") from None


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path):
    """Copy the student template (raft/, kvraft/, README.md) into DIRECTORY (new, or without those three)."""
    template = resources.files("student_template")
    targets = [directory / "raft", directory / "kvraft", directory / "README.md"]
    clashes = [str(p) for p in targets if os.path.lexists(p)]
    if clashes:
        raise click.UsageError(f"{', '.join(clashes)} already exist(s): choose an empty folder, or move them away")
    written: list[Path] = []   # what this command made, removed again if it stops half-way
    try:
        for folder in reversed([directory, *directory.parents]):
            if not folder.exists():
                folder.mkdir()
                written.append(folder)
        for package in ("raft", "kvraft"):
            with resources.as_file(template / package) as source:
                written.append(directory / package)
                shutil.copytree(source, directory / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        with resources.as_file(template / "README.md") as readme:
            written.append(directory / "README.md")
            shutil.copyfile(readme, directory / "README.md")
    except OSError as exc:
        _remove(written)
        where = "" if exc.filename in (None, str(directory)) else f" ({exc.filename})"
        raise click.ClickException(f"cannot write the lab folder {directory}{where}: {exc.strerror or exc}") from None
    click.echo(f"Wrote your lab folder to {directory}. Next:\n  cd {directory}\n  raftlab test 2A --impl .")


def _remove(paths: list[Path]) -> None:
    """Remove what a failed `init` made, newest first; what cannot be removed stays (the error already says why)."""
    for path in reversed(paths):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
