"""`raftlab replay`, `raftlab logs` and `raftlab init` (added to the `raftlab` group by tester.cli).

    raftlab replay TEST --seed S [--impl DIR] [--clock ...] [--schedule ...] [--topics T,..] [--expect-hash H]
                   [--in-process] [--timeout S]
        run exactly that run again with log lines shown (student code in a process of its own, unless
        --in-process); print its trace hash; exit 0 only if the run passed and the hash is the expected one
    raftlab logs FILE|- [--just T,..] [--ignore T,..] [--columns]
        show a log with a colour per topic, optionally a column per peer
    raftlab init DIR
        copy the student template (raft/, kvraft/, README.md) into DIR
"""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path

import click
from rich.console import Console

from tester import registry
from tester.impl import ImplError
from tester.log_view import show_log
from tester.run_one import run_test
from tester.students import check_impl


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
              help="The trace hash the failing run recorded: exit 1 if this run's differs.")
@click.option("--in-process", is_flag=True,
              help="Debugging only, NOT isolated: run student code in this process (pdb, breakpoint(), profilers).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Real seconds the run may take.")
def replay(test_name, seed, impl, clock, schedule, topics, quiet_logs, expect_hash, in_process, timeout):
    """Run one test with one seed again, exactly, with all log output shown."""
    from tester.cli import announce_isolation
    try:
        lab_test = registry.get(test_name)
        check_impl(impl, {"raft" if lab_test.lab == "lab2" else "kvraft"}, in_process)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    except ImplError as exc:
        raise click.UsageError(str(exc)) from None
    announce_isolation(Console(highlight=False, stderr=True), in_process)
    result = run_test(test_name, seed=seed, impl=impl, clock=clock, schedule=schedule, in_process=in_process,
                      log_topics=None if quiet_logs else _topics(topics), real_time_limit=timeout)
    click.echo(f"trace hash: {result.trace_hash}")
    if expect_hash and expect_hash != result.trace_hash:
        click.echo(f"the trace differs from the expected {expect_hash}: this run did not replay the recorded one "
                   f"(nondeterministic code? try `raftlab test {test_name} --seed {seed} --check-determinism`)")
        sys.exit(1)
    sys.exit(0 if result.passed else 1)


@click.command()
@click.argument("file", type=click.File("r"))
@click.option("--just", default=None, metavar="T1,T2", help="Show only these topics.")
@click.option("--ignore", default=None, metavar="T1,T2", help="Hide these topics.")
@click.option("--columns", is_flag=True, help="Put each peer in its own column.")
def logs(file, just, ignore, columns):
    """Show a raftlab log (FILE, or - for standard input) with a colour per topic."""
    show_log(file, Console(highlight=False), just=_topics(just), ignore=_topics(ignore), columns=columns)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path):
    """Copy the student template (raft/, kvraft/, README.md) into DIRECTORY."""
    template = resources.files("student_template")
    targets = [directory / "raft", directory / "kvraft", directory / "README.md"]
    clashes = [str(p) for p in targets if p.exists()]
    if clashes:
        raise click.UsageError(f"{', '.join(clashes)} already exist(s): choose an empty folder, or move them away")
    directory.mkdir(parents=True, exist_ok=True)
    for package in ("raft", "kvraft"):
        with resources.as_file(template / package) as source:
            shutil.copytree(source, directory / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    with resources.as_file(template / "README.md") as readme:
        shutil.copyfile(readme, directory / "README.md")
    click.echo(f"Wrote your lab folder to {directory}. Next:\n  cd {directory}\n  raftlab test 2A --impl .")
