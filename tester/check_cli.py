"""`raftlab check`: is a recorded history linearizable?

check    click command: raftlab check HISTORY [--model kv|register] [--format auto|kv|etcd|json] [--html OUT]
         [--timeout S]; prints the verdict; exit status 0 linearizable, 1 not, 2 unknown (time budget ran out),
         3 the history file cannot be read (the message names the file and line)
"""
from __future__ import annotations

import time

import click

from tester.porcupine import MODELS, CheckResult, check_operations, check_operations_verbose, load_history, visualize
from tester.porcupine.parsers import FORMATS

EXIT = {CheckResult.OK: 0, CheckResult.ILLEGAL: 1, CheckResult.UNKNOWN: 2}
VERDICT = {CheckResult.OK: "linearizable", CheckResult.ILLEGAL: "NOT linearizable",
           CheckResult.UNKNOWN: "unknown (the time budget ran out before the search finished)"}


class BadHistory(click.ClickException):
    exit_code = 3


@click.command("check")
@click.argument("history", type=click.Path(dir_okay=False))
@click.option("--model", type=click.Choice(sorted(MODELS)), default=None,
              help="Sequential model; default: the file's (kv log: kv, etcd log: register, json: from its ops).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="History file format.")
@click.option("--html", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML view of the history (partial linearizations, where it breaks).")
@click.option("--timeout", type=float, default=None, help="Time budget in seconds (default: none).")
@click.pass_context
def check(ctx, history, model, fmt, html, timeout):
    """Check that HISTORY is linearizable (Porcupine's algorithm)."""
    try:
        hist = load_history(history, fmt)
    except OSError as e:
        raise BadHistory(f"cannot read {history}: {e.strerror or e}") from None
    except ValueError as e:  # HistoryFormatError names the file and line
        raise BadHistory(str(e)) from None
    if model is not None and model != hist.model:
        raise BadHistory(f"{history} holds {hist.model} operations; --model {model} cannot check them "
                         f"(omit --model or pass --model {hist.model})")
    chosen = MODELS[hist.model]
    start = time.perf_counter()
    if html:
        result, info = check_operations_verbose(chosen, hist.operations, timeout)
    else:
        result, info = check_operations(chosen, hist.operations, timeout), None
    elapsed = time.perf_counter() - start
    partitions = len(chosen.partition(hist.operations))
    click.echo(f"{history}: {VERDICT[result]} ({len(hist.operations)} operations, {partitions} partition(s), "
               f"{hist.model} model, {elapsed:.3f} s)")
    if info is not None:
        out = visualize(chosen, info, html, annotations=hist.annotations).resolve()
        click.echo(f"history view: {out}")
        if result is CheckResult.ILLEGAL:
            click.echo(f"where it breaks: {out.as_uri()}#first-error")
    elif result is CheckResult.ILLEGAL:
        click.echo("pass --html OUT.html to see the partial linearizations and where the history breaks")
    ctx.exit(EXIT[result])
