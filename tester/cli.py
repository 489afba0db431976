"""The `raftlab` command line.

    raftlab --version                          the version, where it is installed, the Python
    raftlab test SELECTOR... [--impl DIR|MODULE] [--seed N] [--runs R] [--workers W] [--timeout S]
                 [--clock virtual|real] [--schedule fifo|shuffle] [--output DIR] [--json FILE] [--junit FILE]
                 [--check-determinism] [--scheduler ADDRESS] [-v] [--in-process]
        SELECTOR: a part (2A … 3B; 2X, 3X: our own tests beyond Go's), a lab (lab2, lab3: Go's; beyond: 2X and 3X),
        all, a test name in any case (TestBackup2b), or else part of a name, like Go's -run (backup: every test
        whose name contains it); see tester.registry.select.
        One run of each test (no --workers, --runs, --json, --junit, --check-determinism): in this process,
        printing the Go-style lines as they come. Anything more: the parallel runner (tester.batch), one worker
        process per run at a time, a live view, a summary table, logs of failing runs in --output.
        Student code runs in a process of its own (sandboxed by bubblewrap when installed); --in-process runs it
        here instead, for debuggers and profilers (not isolated).
        Exit status 0 if every run passed, 1 if any failed, 2 on bad usage, 3 if a submission changed raftlab's
        own files (possible only unsandboxed), 130 when interrupted (after a summary of the runs that finished).
        Commands and paths are printed on one line whatever the terminal's width, for copy and paste.
    raftlab test --list [SELECTOR...]          the tests (all, or those selected): name, part, title
    raftlab replay | logs | init | check        see tester.tools_cli and tester.check_cli
    raftlab grade                               see grading.cli

Every raftlab process runs with PYTHONHASHSEED=0 (the entry point re-executes itself once to set it), so even code
that iterates over a set of strings replays exactly. It re-executes with raftlab's own folder first on sys.path, not
the current one: run from inside a submission, `python -m` would import the submission's own `tester/` if it had one.
"""

from __future__ import annotations

import os
import sys

from tester.impl import trusted_boot


def _fix_hash_seed() -> None:
    """Run this process with PYTHONHASHSEED=0: if it does not, re-execute it once (see the docstring)."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-c", trusted_boot("tester.cli"), *sys.argv[1:]])


# Started as the `raftlab` command (its script imports this module, then calls main()): re-execute before the
# imports below, which take longer than Python's own start-up and would otherwise run twice.
if os.path.basename(sys.argv[0]) == "raftlab":
    _fix_hash_seed()

import functools  # noqa: E402  (after the re-execution above)
import random  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import click  # noqa: E402
from rich.console import Console
from rich.markup import escape

from tester import registry
from tester.batch import default_output_dir, run_batch
from grading.cli import grade
from tester.check_cli import check
from tester.impl import ImplError
from tester.students import check_impl
from tester.reports import output_console, printable, write_json, write_junit
from tester.run_one import TesterTampered, replay_command, run_test
from tester.runner import Record, plan_runs
from tester.students.integrity import protect_this_process
from tester.students.process import clean
from tester.students.sandbox import warn_once
from tester.tools_cli import init, logs, replay

STYLES = {"title": "bold", "passed": "green", "warning": "yellow", "fail": "bold red", "info": "dim"}
DEFAULT_TIMEOUT_S = 300.0


def _version() -> str:
    import importlib.metadata   # here, not at the top: only --version needs it, and it takes as long as click
    import platform
    try:
        version = importlib.metadata.version("raftlab")
    except importlib.metadata.PackageNotFoundError:
        version = "(not installed: pip install -e .)"
    return f"{version} ({os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}, Python " \
           f"{platform.python_version()})"


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"raftlab {_version()}")
        ctx.exit()


@click.group()
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
def cli():
    """raftlab: the MIT 6.824 Raft and KV lab tester, on a deterministic virtual-time simulation."""


def main():
    """Console entry point: fix the hash seed of this process (once), then run the command."""
    _fix_hash_seed()   # (done already, before the imports, when started as the `raftlab` command)
    protect_this_process()   # the student side may not reach this process's pipes through /proc
    cli(prog_name="raftlab")


def _ctrl_c_exits_130(command):
    """Ctrl-C outside the runs (loading the tests, importing --impl) ends in status 130, not in click's "Aborted!"
    and 1. (The runs catch it themselves, to sum up what finished first.)"""
    @functools.wraps(command)
    def guarded(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted")
            raise SystemExit(130) from None
    return guarded


@cli.command()
@click.argument("selectors", nargs=-1)
@click.option("--list", "list_only", is_flag=True, help="List the tests (all, or the selected ones) and run nothing.")
@click.option("--impl", "impl", default=None, metavar="DIR|MODULE",
              help="Directory holding your raft/ (and kvraft/), or a dotted module name. Default: the reference.")
@click.option("--seed", type=int, default=None, help="Seed of the first run (default: a random one, printed).")
@click.option("--runs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Run each test this many times, with seeds N, N+1, ...")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel worker processes (default: the number of cores).")
@click.option("--timeout", type=click.FloatRange(min=1), default=DEFAULT_TIMEOUT_S, show_default=True,
              help="Real seconds a run may take before it is stopped and reported as a timeout.")
@click.option("--clock", type=click.Choice(["virtual", "real"]), default="virtual", show_default=True)
@click.option("--schedule", type=click.Choice(["fifo", "shuffle"]), default="fifo", show_default=True,
              help="Order of simultaneously ready tasks: fixed, or shuffled by the seed.")
@click.option("--output", type=click.Path(file_okay=False), default=None,
              help="Folder for the logs of failing runs (default: raftlab-runs/<time>/).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write one JSON record per run to this file.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None,
              help="Write JUnit XML to this file.")
@click.option("--check-determinism", is_flag=True,
              help="Run each seed twice (under different hash seeds) and report runs whose traces differ.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Send the runs to a Dask distributed cluster (tcp://host:8786); see the README's grading section.")
@click.option("-v", "--verbose", is_flag=True, help="Also print each run's own output.")
@click.option("--in-process", is_flag=True,
              help="Debugging only, NOT isolated: run student code in the tester's own process, so that pdb, "
                   "breakpoint() and profilers see it. Its verdicts are not to be trusted for grading.")
@_ctrl_c_exits_130
def test(selectors, list_only, impl, seed, runs, workers, timeout, clock, schedule, output, json_path, junit_path,
         check_determinism, scheduler, verbose, in_process):
    """Run lab tests: parts (2A … 3B; 2X, 3X beyond Go's), labs (lab2, lab3, beyond), all, or test names.

    A selector that is none of these selects every test whose name contains it, in any case, like Go's
    `-run Backup` (but not a regular expression); one that matches nothing is an error.

    \b
    Exit status:
      0    every run passed
      1    a run failed
      2    bad usage
      3    a submission changed raftlab's own files (possible only unsandboxed)
      130  interrupted (after a summary of what finished)
    """
    console = output_console(highlight=False)
    if not selectors and not list_only:
        raise click.UsageError("say which tests to run: a part (2A … 3B, 2X, 3X), a lab (lab2, lab3), all, or "
                               "(part of) a test name; `raftlab test --list` shows them")
    try:
        tests = registry.select(selectors or ["all"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if list_only:
        _list(tests)
        return
    for path in (json_path, junit_path):   # before any run: a batch must not end in a report it cannot write
        if path and not os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
            raise click.UsageError(f"cannot write {path}: its folder {os.path.dirname(os.path.abspath(path))} does "
                                   f"not exist or is not writable")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 1 << 31)
    try:
        # Imported once, up front, where it will run: a missing folder, a SyntaxError or a missing make() is
        # reported once, not once per test.
        check_impl(impl, {t.package for t in tests}, in_process)
    except ImplError as exc:
        # The reports asked for are written all the same: every planned run failed, for this reason.
        records = [Record(spec.test, spec.seed, "failed", str(exc))
                   for spec in plan_runs([t.name for t in tests], seed, runs)]
        if json_path:
            write_json(records, Path(json_path), in_process)
        if junit_path:
            write_junit(records, Path(junit_path), in_process)
        raise click.UsageError(str(exc)) from None
    if scheduler and (check_determinism or in_process):
        raise click.UsageError("--scheduler runs isolated runs one by one on the cluster: it cannot be combined "
                               "with --check-determinism or --in-process")
    if runs > 1 or workers or json_path or junit_path or check_determinism or output or scheduler:
        from grading.executor import ExecutorError, open_executor
        try:
            executor = open_executor(scheduler, workers)
        except ExecutorError as exc:
            raise click.UsageError(str(exc)) from None
        announce_isolation(console, in_process)
        status = run_batch(console, tests, seed=seed, runs=runs, executor=executor,
                           timeout=timeout, impl=impl, clock=clock, schedule=schedule,
                           output=Path(output) if output else default_output_dir(), json_path=json_path,
                           junit_path=junit_path,
                           check_determinism=check_determinism, verbose=verbose, in_process=in_process)
        raise SystemExit(status)
    _run_here(tests, seed, impl, clock, schedule, timeout, in_process)


def announce_isolation(console: Console, in_process: bool) -> None:
    """Say once where student code runs when that is not the sandboxed default (on one line: it holds a command)."""
    if in_process:
        console.print("note: --in-process: student code runs inside the tester's own process (debugging mode, NOT "
                      "isolated: a submission can change these results)", style="yellow", soft_wrap=True)
    else:
        warn_once(lambda text: console.print(escape(text), style="yellow", soft_wrap=True))


def _list(tests) -> None:
    """One line per test: its Go name, its part and its title without the part that Go's title repeats."""
    width = max(len(t.name) for t in tests)
    for t in tests:
        title = t.title.removeprefix(f"Test ({t.part}): ").removeprefix("Test: ").removesuffix(f" ({t.part})")
        click.echo(f"{t.name:<{width}}  {t.part}  {title}")


class _StudentEcho:
    """What student code prints, shown as it comes, indented: a line of it never reads as the tester's verdict."""

    def __init__(self):
        self.line_start = True

    def __call__(self, text: str) -> None:
        lines = text.split("\n")
        shown = [("  " if self.line_start else "") + lines[0]] + [("  " + line) if line else "" for line in lines[1:]]
        self.line_start = text.endswith("\n")
        sys.stdout.write(clean("\n".join(shown), limit=len(text) + 2 * len(lines)))
        sys.stdout.flush()


def _run_here(tests, seed, impl, clock, schedule, timeout, in_process) -> None:
    """One run of each test, one after the other, printing as they go (the student side, if isolated, is a child
    process per run); then a summary, also after Ctrl-C."""
    # soft_wrap: rich never breaks a line at the terminal's width, so that a replay command or a path copied from
    # the screen (or from `tmux capture-pane -J`) is whole. Nothing printed here is a table that needs the width.
    console = Console(highlight=False, soft_wrap=True)

    def printer(text: str, kind: str) -> None:
        # printable: an in-process run's message holds whatever the student's exception held (escapes, surrogates)
        console.print(escape(printable(text)), style=STYLES.get(kind, ""))

    announce_isolation(console, in_process)
    started = time.perf_counter()
    results, interrupted = [], False
    try:
        for lab_test in tests:
            results.append(run_test(lab_test, seed=seed, impl=impl, clock=clock, schedule=schedule, printer=printer,
                                    real_time_limit=timeout, in_process=in_process, sink=_StudentEcho()))
    except TesterTampered as exc:
        console.print(f"STOPPED: {escape(str(exc))}", style="bold red")
        raise SystemExit(3) from None
    except KeyboardInterrupt:
        interrupted = True   # the test after the last result, if any, was cut short: the summary says so
    failures = [result for result in results if not result.passed]
    unknown = sum(result.unknown for result in failures)   # no check failed, but one could not decide
    summary = (f"{len(results) - len(failures)} passed, {len(failures) - unknown} failed, {unknown} unknown in "
               f"{time.perf_counter() - started:.1f} s real ({sum(r.virtual_s for r in results):.1f} s virtual)")
    console.print()
    if interrupted:
        left = tests[len(results):]   # the first was cut short; the others never started
        cut = f"; {left[0].name} was running and has no verdict" if left else ""
        cut += f", {len(left) - 1} not started" if len(left) > 1 else ""
        console.print(f"INTERRUPTED: {len(results)} of {len(tests)} tests finished: {summary}{cut}", style="yellow")
    elif failures:
        console.print(f"FAIL: {summary}", style="bold red")
    else:
        console.print(f"PASS: {summary}", style="bold green")
    for result in failures:
        first_line = result.message.splitlines()[0] if result.message else ""
        verdict = "UNKNOWN: " if result.unknown else ""
        console.print(f"  {result.test} seed={result.seed}: {verdict}{escape(printable(first_line))}", style="red")
        command = replay_command(result.test, result.seed, impl, clock, schedule, in_process,
                                 result.trace_hash if result.exact else None)
        console.print(f"    {command}", style="dim")
    if interrupted:
        raise SystemExit(130)
    if failures:
        raise SystemExit(1)


for command in (replay, logs, init, check, grade):
    cli.add_command(command)

if __name__ == "__main__":
    main()
