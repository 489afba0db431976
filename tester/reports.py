"""What a batch of runs leaves behind: the summary table, JSON records and JUnit XML.

    summary_table(records, test_names, width=80) -> rich Table   per test: passed/total, virtual s and real s
                        (mean ± std), mean RPCs, failing seeds; laid out for `width` columns without squeezing the
                        pass counts or the seeds (see _fit); print it with crop=False
    printable(text) -> str          text from a run, fit for a terminal and for XML 1.0: control characters (but
                                    newline and tab) and lone surrogates become visible \\xNN escapes
    write_json(records, path, in_process=False, planned=None)
        a list with one object per run: test, seed, status, passed, message, virtual_s, real_s, rpcs, bytes,
        trace_hash, log, timeline (a failing run's page, tester.timeline), isolated (False: --in-process). A batch that did not run to its end (records.interrupted:
        Ctrl-C; records.stopped: raftlab's files changed) ends the list with one marker object of the same keys
        plus "marker": true, "finished" and "planned" (counts of runs, or of seeds with the determinism check):
        status "interrupted" or "stopped", passed false, test "", seed null. So a reader that checks every
        object's "passed" never sees an incomplete batch as green, and a reader of runs needs only skip "marker".
    write_junit(records, path, in_process=False, planned=None)
        one <testcase> per run (name "Test[seed=N]"), failures with their message; the property raftlab.isolated
        says where student code ran. An incomplete batch gets the property raftlab.incomplete ("interrupted" or
        "stopped") and an <error> testcase of that name saying how many runs finished.
    Both write every text through printable() and raise only OSError (the file cannot be written).
    output_console(**options) -> rich Console   for what commands print: off a terminal (a file, a pipe, CI) and
                                    without COLUMNS, OFF_TERMINAL_WIDTH columns instead of rich's 80, so that a
                                    table of long test names (TestFollowerCommitStopsAtNewEntries2X) does not wrap
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tester.students.process import clean

OFF_TERMINAL_WIDTH = 160


def output_console(**options) -> Console:
    """A Console for a command's output; off a terminal, OFF_TERMINAL_WIDTH columns unless COLUMNS says."""
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        options.setdefault("width", OFF_TERMINAL_WIDTH)
    return Console(**options)

TEST_NAME_MIN_WIDTH = 16     # a narrower console folds a longer test name over several lines
STAT_HEADERS = ("virtual s", "real s", "RPCs")
DROPPED_FIRST = ("real s", "virtual s", "RPCs")   # when the console is too narrow for every column


def printable(text: str) -> str:
    """Text from a run (an in-process run's message may hold anything a student's exception held) made safe to
    print and to put in XML: the same escapes as the student side's output gets."""
    return clean(text, limit=len(text))


def _mean_std(values: list[float], digits: int = 1) -> str:
    if not values:
        return "-"
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.{digits}f} ± {spread:.{digits}f}"


def _seed_label(record) -> str:
    # No space inside a label: the column wraps between seeds, never inside one.
    return f"{record.seed}" + ("" if record.status == "failed" else f"({record.status})")


def summary_table(records, test_names: list[str], width: int = 80) -> Table:
    """The per-test table of a batch, in test_names order (tests without records are left out)."""
    by_test = defaultdict(list)
    for record in records:
        by_test[record.test].append(record)
    rows = []
    for name in test_names:
        runs = by_test.get(name, [])
        if not runs:
            continue
        passed = sum(r.passed for r in runs)
        failing = [_seed_label(r) for r in sorted(runs, key=lambda r: r.seed) if not r.passed]
        rows.append({"test": name, "passed": f"{passed}/{len(runs)}",
                     "virtual s": _mean_std([r.virtual_s for r in runs]),
                     "real s": _mean_std([r.real_s for r in runs], digits=2),
                     "RPCs": f"{statistics.fmean(r.rpcs for r in runs):.0f}",
                     "failing seeds": failing[:10] + (["..."] if len(failing) > 10 else []),
                     "style": "green" if passed == len(runs) else "red"})
    headers, widths, total = _fit(rows, width)
    table = Table(title="raftlab runs", title_justify="left", width=total)
    for header in headers:
        if header == "test":
            table.add_column(header, width=widths[header], overflow="fold")
        elif header == "failing seeds":
            table.add_column(header, width=widths[header])
        else:
            table.add_column(header, width=widths[header], justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*(", ".join(row[h]) if h == "failing seeds" else row[h] for h in headers), style=row["style"])
    return table


def _fit(rows: list[dict], width: int) -> tuple[list[str], dict[str, int], int]:
    """Columns and their widths for a console `width` wide: each number column as wide as its widest cell; the
    failing seeds at least as wide as the longest seed (they wrap between seeds); the test name folds down to
    TEST_NAME_MIN_WIDTH. When even that does not fit, the RPC and timing columns go; when the pass counts and
    seeds alone do not fit, the table is wider than the console (the terminal wraps it; nothing is cut)."""
    def natural(header: str) -> int:
        cells = [", ".join(row[header]) if header == "failing seeds" else row[header] for row in rows]
        return max([len(header), *map(len, cells)])

    headers = ["test", "passed", *STAT_HEADERS, "failing seeds"]
    widths = {header: natural(header) for header in headers}
    # A seed and the comma after it stay on one line.
    seeds_min = max([len("failing"), *(len(seed) + 1 for row in rows for seed in row["failing seeds"])])
    test_min = min(widths["test"], TEST_NAME_MIN_WIDTH)

    def total(columns: list[str], test: int, seeds: int) -> int:   # each column: its padding and a border
        return 1 + sum(3 + (test if h == "test" else seeds if h == "failing seeds" else widths[h]) for h in columns)

    for stat in DROPPED_FIRST:
        if total(headers, test_min, seeds_min) <= width:
            break
        headers.remove(stat)
    room = width - total(headers, 0, 0)
    seeds = max(seeds_min, min(widths["failing seeds"], room - test_min))   # the seeds first: names fold
    test = max(test_min, min(widths["test"], room - seeds))
    return headers, {**widths, "test": test, "failing seeds": seeds}, total(headers, test, seeds)


def _incomplete(records) -> str:
    """"interrupted" or "stopped" when the batch did not run to its end, else ""."""
    if getattr(records, "stopped", ""):
        return "stopped"
    return "interrupted" if getattr(records, "interrupted", False) else ""


def _incomplete_message(records, planned: int | None) -> str:
    why = (f"the batch was stopped: {records.stopped}" if _incomplete(records) == "stopped"
           else "the batch was interrupted (Ctrl-C)")
    if planned is None:
        return f"{why}: {len(records)} runs finished; the runs not listed have no verdict"
    return f"{why}: {len(records)} of {planned} finished; the other {planned - len(records)} have no verdict"


def write_json(records, path: Path, in_process: bool = False, planned: int | None = None) -> None:
    rows = [{"test": r.test, "seed": r.seed, "status": r.status, "passed": r.passed, "message": printable(r.message),
             "virtual_s": round(r.virtual_s, 3), "real_s": round(r.real_s, 3), "rpcs": r.rpcs, "bytes": r.bytes,
             "trace_hash": r.trace_hash, "log": r.log_path or None, "timeline": r.timeline_path or None,
             "isolated": not in_process} for r in records]
    incomplete = _incomplete(records)
    if incomplete:
        rows.append({"test": "", "seed": None, "status": incomplete, "passed": False,
                     "message": printable(_incomplete_message(records, planned)), "virtual_s": 0.0, "real_s": 0.0,
                     "rpcs": 0, "bytes": 0, "trace_hash": "", "log": None, "timeline": None,
                     "isolated": not in_process,
                     "marker": True, "finished": len(records), "planned": planned})
    # ASCII only (json escapes the rest): nothing in it can fail to encode.
    Path(path).write_text(json.dumps(rows, indent=1) + "\n", encoding="ascii")


def write_junit(records, path: Path, in_process: bool = False, planned: int | None = None) -> None:
    incomplete = _incomplete(records)
    suite = ET.Element("testsuite", name="raftlab", tests=str(len(records) + bool(incomplete)),
                       failures=str(sum(r.status in ("failed", "nondeterministic", "unknown") for r in records)),
                       errors=str(sum(r.status in ("timeout", "crashed") for r in records) + bool(incomplete)),
                       time=f"{sum(r.real_s for r in records):.3f}")
    properties = ET.SubElement(suite, "properties")
    # Where student code ran: --in-process results could have been changed by the submission (never grade them).
    ET.SubElement(properties, "property", name="raftlab.isolated", value="false" if in_process else "true")
    if incomplete:
        ET.SubElement(properties, "property", name="raftlab.incomplete", value=incomplete)
    for r in records:
        case = ET.SubElement(suite, "testcase", classname=f"raftlab.{r.test}", name=f"{r.test}[seed={r.seed}]",
                             time=f"{r.real_s:.3f}")
        if not r.passed:
            tag = "error" if r.status in ("timeout", "crashed") else "failure"
            message = printable(r.message)
            first = message.splitlines()[0] if message else r.status
            ET.SubElement(case, tag, message=f"{r.status}: {first}", type=r.status).text = message
    if incomplete:
        # A test of its own, so that CI shows an incomplete batch as an error, never as all green.
        case = ET.SubElement(suite, "testcase", classname="raftlab", name=incomplete, time="0.000")
        ET.SubElement(case, "error", message=printable(_incomplete_message(records, planned)), type=incomplete)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
