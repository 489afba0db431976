"""`raftlab check`: is a recorded history linearizable?

check    click command: raftlab check HISTORY [--model kv|register] [--format auto|kv|etcd|json] [--html OUT]
         [--timeout S]; prints the verdict; exit status 0 linearizable, 1 not, 2 unknown (time budget ran out),
         3 no verdict: the history cannot be read (the message names the file and line; files above
         parsers.MAX_HISTORY_BYTES are refused), the command line is wrong, or the --html view cannot be written
"""
from __future__ import annotations

import time
from pathlib import Path

import click

from tester.porcupine import MODELS, CheckResult, check_operations, check_operations_verbose, load_history, visualize
from tester.porcupine.parsers import FORMATS, MAX_HISTORY_BYTES

EXIT = {CheckResult.OK: 0, CheckResult.ILLEGAL: 1, CheckResult.UNKNOWN: 2}
NO_VERDICT = 3
VERDICT = {CheckResult.OK: "linearizable", CheckResult.ILLEGAL: "NOT linearizable",
           CheckResult.UNKNOWN: "unknown (the time budget ran out before the search finished)"}


class BadHistory(click.ClickException):
    exit_code = NO_VERDICT


class _CheckCommand(click.Command):
    """Usage errors exit 3 instead of click's 2: here 2 is the verdict "unknown", which a script must not get
    for a mistyped option."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as e:
            e.exit_code = NO_VERDICT
            raise


def _seconds(ctx, param, value: float | None) -> float | None:
    if value is not None and not value > 0:   # `not >` also refuses nan
        raise click.BadParameter(f"{value} is not a time budget: give a number of seconds above 0, "
                                 f"or leave --timeout out for no limit")
    return value


_HELP = f"""Check that HISTORY is linearizable (Porcupine's algorithm).

    \b
    Exit status:
      0  linearizable
      1  NOT linearizable
      2  unknown: the --timeout budget ran out before the search finished
      3  no verdict: HISTORY cannot be read or is not a history (the
         message names the file and line), it is larger than {MAX_HISTORY_BYTES // 2 ** 20} MiB,
         the command line is wrong, or the --html view cannot be written
    """


@click.command("check", cls=_CheckCommand, help=_HELP)
@click.argument("history", type=click.Path(dir_okay=False))
@click.option("--model", type=click.Choice(sorted(MODELS)), default=None,
              help="Sequential model; default: the file's (kv log: kv, etcd log: register, json: from its ops).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="History file format.")
@click.option("--html", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML view of the history (partial linearizations, where it breaks).")
@click.option("--timeout", type=float, default=None, callback=_seconds,
              help="Time budget in seconds, above 0 (default: none).")
@click.pass_context
def check(ctx, history, model, fmt, html, timeout):
    """The `raftlab check` command; its --help is _HELP."""
    if html and not Path(html).resolve().parent.is_dir():
        raise BadHistory(f"cannot write the --html view to {html}: the folder {Path(html).parent} does not exist")
    try:
        hist = load_history(history, fmt)
    except OSError as e:
        raise BadHistory(f"cannot read {history}: {e.strerror or e}") from None
    except ValueError as e:  # HistoryFormatError names the file and line
        raise BadHistory(str(e)) from None
    if model is not None and hist.operations and model != hist.model:   # an empty history fits any model
        raise BadHistory(f"{history} holds {hist.model} operations; --model {model} cannot check them "
                         f"(omit --model or pass --model {hist.model})")
    model = model or hist.model
    chosen = MODELS[model]
    start = time.perf_counter()
    if html:
        result, info = check_operations_verbose(chosen, hist.operations, timeout)
    else:
        result, info = check_operations(chosen, hist.operations, timeout), None
    elapsed = time.perf_counter() - start
    partitions = len(chosen.partition(hist.operations))
    click.echo(f"{history}: {VERDICT[result]} ({len(hist.operations)} operations, {partitions} partition(s), "
               f"{model} model, {elapsed:.3f} s)")
    if info is not None:
        try:
            out = visualize(chosen, info, html, annotations=hist.annotations).resolve()
        except OSError as e:
            raise BadHistory(f"cannot write the --html view to {html}: {e.strerror or e}") from None
        click.echo(f"history view: {out}")
        if result is CheckResult.ILLEGAL:
            click.echo(f"where it breaks: {out.as_uri()}#first-error")
    elif result is CheckResult.ILLEGAL:
        click.echo("pass --html OUT.html to see the partial linearizations and where the history breaks")
    ctx.exit(EXIT[result])
