"""`raftlab test` with many runs: the parallel runner behind a live view, then the summary and the files.

    run_batch(console, tests, *, seed, runs, executor, timeout, impl, clock, schedule, output, json_path,
              junit_path, check_determinism, verbose, in_process=False) -> exit status: 0 only if every run
              passed and every report asked for was written; 130 if interrupted; 3 if a submission changed
              raftlab's own files (unsandboxed) and the batch stopped; else 1

After the summary table comes the list of failures, by test and seed; three or more failures of one test whose
first lines are the same but for their numbers fold into one entry ("TestBackup2B: 480 runs failed with 'one(…)
failed to reach agreement', seeds 12, 17, ..."), shown with the first seed's details, replay command (with
--expect-hash) and log. Every failing run leaves its full log in the output folder, and its timeline next to it
(NAME.html, tester.timeline; KV tests also their HTML history view); the list points only at files that exist.
With the determinism check everything is counted in seeds (each seed runs twice and gives one verdict), and a line
says how many seeds gave identical traces.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from tester.live_view import STATUS_STYLE, LiveView
from tester.reports import printable, summary_table, write_json, write_junit
from tester.run_one import replay_command
from tester.runner import plan_runs

MAX_FAILURE_ENTRIES = 20
FOLD_AT = 3               # alike failures that make one entry: two are shown in full, with both replay commands
MAX_DETAIL_LINES = 6      # of the indented lines under a message's first line (a nondeterministic seed's events)
MAX_LISTED_SEEDS = 12
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_OUTCOME = {"failed": "failed", "timeout": "timed out", "crashed": "crashed", "unknown": "were undecided",
            "nondeterministic": "were nondeterministic"}


def default_output_dir() -> Path:
    return Path("raftlab-runs") / time.strftime("%Y%m%d-%H%M%S")


def run_batch(console: Console, tests, *, seed: int, runs: int, executor, timeout: float, impl, clock: str,
              schedule: str, output: Path, json_path, junit_path, check_determinism: bool, verbose: bool,
              in_process: bool = False) -> int:
    names = [t.name for t in tests]
    specs = plan_runs(names, seed, runs, check_determinism)
    unit = "seeds" if check_determinism else "runs"
    planned = len(names) * runs
    console.print(f"[bold]{len(names)} test(s) × {runs} seed(s) ({seed}..{seed + runs - 1})"
                  f"{' × 2 for the determinism check' if check_determinism else ''}, {executor.describe()}, "
                  f"timeout {timeout:g} s per run, output in {escape(printable(str(output)))}[/]", soft_wrap=True)
    started = time.monotonic()
    with LiveView(console, names, runs) as view:
        def finished(record):
            view.finished(record)
            if verbose and record.output:
                console.print(escape(printable(record.output)), highlight=False)
        try:
            records = executor.run(specs, timeout=timeout, impl=impl, clock=clock, schedule=schedule,
                                   output_dir=output, on_result=finished, on_start=view.started,
                                   in_process=in_process)
        finally:
            executor.close()
    written, unwritten = _write_reports(records, planned, json_path, junit_path, in_process)
    console.print(summary_table(records, names, console.width), crop=False)
    _print_failures(console, records, names, unit, written + ([str(output)] if output.is_dir() else []),
                    lambda r: replay_command(r.test, r.seed, impl, clock, schedule, in_process,
                                           r.trace_hash if r.exact else None))
    if check_determinism:
        console.print(_determinism_line(records), soft_wrap=True)
    for line in unwritten:
        console.print(f"[bold red]error[/]: {escape(line)}", soft_wrap=True)
    failing = sum(not r.passed for r in records)
    elapsed = time.monotonic() - started
    if records.stopped:
        console.print(f"[bold red]STOPPED[/]: {escape(printable(records.stopped))}", soft_wrap=True)
        return 3
    if records.interrupted:
        console.print(f"[yellow]interrupted: {len(records)} of {planned} {unit} finished "
                      f"({len(records) - failing} passed) in {elapsed:.1f} s[/]", soft_wrap=True)
        return 130
    verdict = (f"[red]FAIL[/] ({failing} failing)" if failing else "[red]ERROR[/] (a report was not written)"
               if unwritten else "[green]PASS[/]")
    console.print(f"{verdict}: {len(records) - failing}/{len(records)} {unit} passed"
                  f"{' (each run twice)' if check_determinism else ''} in {elapsed:.1f} s", soft_wrap=True)
    return 1 if failing or unwritten else 0


def _write_reports(records, planned: int, json_path, junit_path, in_process: bool) -> tuple[list[str], list[str]]:
    """Each report on its own: one that cannot be written does not keep the other from being written. Returns the
    paths written and a line per report that was not."""
    written, unwritten = [], []
    for option, path, write in (("--json", json_path, write_json), ("--junit", junit_path, write_junit)):
        if not path:
            continue
        try:
            write(records, Path(path), in_process, planned)
            written.append(str(path))
        except OSError as exc:
            unwritten.append(f"cannot write {option} {path}: {exc.strerror or exc}")
    return written, unwritten


def _first_line(record) -> str:
    return printable(record.message).split("\n", 1)[0] if record.message else ""


def _details(record) -> list[str]:
    """The indented lines right under a message's first line (a nondeterministic seed's two events and hint)."""
    details = []
    for line in printable(record.message).split("\n")[1:1 + MAX_DETAIL_LINES]:
        if not line.startswith("  "):
            break
        details.append(line)
    return details


def _common_line(lines: list[str]) -> str:
    """Lines that are the same but for their numbers, as one: the numbers that differ become "…"."""
    numbers = [_NUMBER.findall(line) for line in lines]
    texts = _NUMBER.split(lines[0])
    shown = [values[0] if len(set(values)) == 1 else "…" for values in zip(*numbers)]
    return "".join(text + number for text, number in zip(texts, shown + [""]))


def _print_failures(console: Console, records, names: list[str], unit: str, files: list[str], replay) -> None:
    """The failures, by test (in the order asked for) and seed; FOLD_AT or more of one test and status whose
    first lines are the same but for their numbers make one entry. Each entry shows its (first) run's details,
    replay command and log. files: the reports and folders that exist, to point at for entries not shown."""
    order = {name: index for index, name in enumerate(names)}
    failing = sorted((r for r in records if not r.passed), key=lambda r: (order.get(r.test, len(order)), r.seed))
    alike: dict[tuple, list] = {}
    for record in failing:
        alike.setdefault((record.test, record.status, _NUMBER.sub("#", _first_line(record))), []).append(record)
    entries = [entry for group in alike.values() for entry in ([group] if len(group) >= FOLD_AT else
                                                                 [[record] for record in group])]
    entries.sort(key=lambda entry: (order.get(entry[0].test, len(order)), entry[0].seed))
    for entry in entries[:MAX_FAILURE_ENTRIES]:
        first = entry[0]
        style = STATUS_STYLE.get(first.status, "red")
        if len(entry) == 1:
            console.print(f"[{style}]{first.status}[/] {first.test} seed={first.seed}: {escape(_first_line(first))}",
                          soft_wrap=True)
        else:
            seeds = ", ".join(str(r.seed) for r in entry[:MAX_LISTED_SEEDS])
            more = ", ..." if len(entry) > MAX_LISTED_SEEDS else ""
            line = _common_line([_first_line(r) for r in entry])
            console.print(f"[{style}]{first.test}[/]: {len(entry)} {unit} {_OUTCOME.get(first.status, first.status)}"
                          f" with '{escape(line)}', seeds {seeds}{more}; seed {first.seed}:", soft_wrap=True)
        details = _details(first)
        for detail in details:
            console.print(f"  {escape(detail)}", highlight=False, soft_wrap=True)
        # Never wrapped: a command or a path must survive copy and paste.
        console.print(f"    replay: {escape(printable(replay(first)))}", highlight=False, soft_wrap=True)
        log = printable(first.log_path)
        if log and Path(first.log_path).exists() and not any(log in detail for detail in details):
            console.print(f"    log:    {escape(log)}", highlight=False, soft_wrap=True)
        if first.timeline_path and Path(first.timeline_path).exists():
            console.print(f"    timeline: {escape(printable(first.timeline_path))}", highlight=False, soft_wrap=True)
    hidden = entries[MAX_FAILURE_ENTRIES:]
    if hidden:
        where = f" (see {', '.join(map(printable, files))})" if files else ""
        console.print(f"... and {sum(map(len, hidden))} more failing {unit} in {len(hidden)} more entries"
                      f"{escape(where)}", soft_wrap=True)


def _determinism_line(records) -> str:
    """How many seeds' two runs agreed; a seed whose run timed out or crashed was not compared."""
    uncompared = sum(r.status in ("timeout", "crashed") for r in records)
    differing = sum(r.status == "nondeterministic" for r in records)
    line = f"determinism: {len(records) - uncompared - differing}/{len(records)} seeds gave identical traces"
    if differing:
        line += f"; {differing} took different paths (listed above)"
    if uncompared:
        line += f"; {uncompared} could not be compared (a run timed out or crashed)"
    return line
