"""`raftlab test` with many runs: the parallel runner behind a live view, then the summary and the files.

    run_batch(console, tests, *, seed, runs, executor, timeout, impl, clock, schedule, output, json_path,
              junit_path, check_determinism, verbose, in_process=False) -> exit status: 0 only if every run
              passed; 130 if interrupted; 3 if a submission changed raftlab's own files (unsandboxed) and the batch
              stopped

Every failing run leaves its full log in the output folder (KV tests also their HTML history view), and the summary
prints the one-line command that replays it.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from tester.live_view import STATUS_STYLE, LiveView
from tester.reports import summary_table, write_json, write_junit
from tester.run_one import replay_command
from tester.runner import plan_runs

MAX_REPLAY_LINES = 20


def default_output_dir() -> Path:
    return Path("raftlab-runs") / time.strftime("%Y%m%d-%H%M%S")


def run_batch(console: Console, tests, *, seed: int, runs: int, executor, timeout: float, impl, clock: str,
              schedule: str, output: Path, json_path, junit_path, check_determinism: bool, verbose: bool,
              in_process: bool = False) -> int:
    names = [t.name for t in tests]
    specs = plan_runs(names, seed, runs, check_determinism)
    console.print(f"[bold]{len(names)} test(s) × {runs} seed(s) ({seed}..{seed + runs - 1})"
                  f"{' × 2 for the determinism check' if check_determinism else ''}, {executor.describe()}, "
                  f"timeout {timeout:g} s per run, output in {output}[/]", soft_wrap=True)
    started = time.monotonic()
    with LiveView(console, names, runs * (2 if check_determinism else 1)) as view:
        def finished(record):
            view.finished(record)
            if verbose and record.output:
                console.print(escape(record.output), highlight=False)
        try:
            records = executor.run(specs, timeout=timeout, impl=impl, clock=clock, schedule=schedule,
                                   output_dir=output, on_result=finished, on_start=view.started,
                                   in_process=in_process)
        finally:
            executor.close()
    console.print(summary_table(records, names))
    failing = [r for r in records if not r.passed]
    for record in failing[:MAX_REPLAY_LINES]:
        style = STATUS_STYLE.get(record.status, "red")
        first_line = record.message.splitlines()[0] if record.message else ""
        console.print(f"[{style}]{record.status}[/] {record.test} seed={record.seed}: {escape(first_line)}",
                      soft_wrap=True)
        # Never wrapped: a command or a path must survive copy and paste.
        console.print(f"    replay: {replay_command(record.test, record.seed, impl, clock, schedule, in_process)}",
                      highlight=False, soft_wrap=True)
        if record.log_path:
            console.print(f"    log:    {record.log_path}", highlight=False, soft_wrap=True)
    if len(failing) > MAX_REPLAY_LINES:
        console.print(f"... and {len(failing) - MAX_REPLAY_LINES} more failing runs (see --json)")
    if json_path:
        write_json(records, Path(json_path), in_process)
    if junit_path:
        write_junit(records, Path(junit_path), in_process)
    passed = len(records) - len(failing)
    elapsed = time.monotonic() - started
    if records.stopped:
        console.print(f"[bold red]STOPPED[/]: {escape(records.stopped)}", soft_wrap=True)
        return 3
    if records.interrupted:
        console.print(f"[yellow]interrupted: {len(records)} of {len(specs) // (2 if check_determinism else 1)} "
                      f"runs finished ({passed} passed) in {elapsed:.1f} s[/]")
        return 130
    verdict = "[green]PASS[/]" if not failing else f"[red]FAIL[/] ({len(failing)} failing)"
    console.print(f"{verdict}: {passed}/{len(records)} runs passed in {elapsed:.1f} s")
    return 0 if not failing else 1
