"""`raftlab logs`: read a run's log with a colour per topic, filters, and optionally a column per peer.

    parse_line(text) -> LogLine | None     `   12.345 S2    VOTE     granted vote to S1` (labrpc.LOG_FORMAT)
    text_lines(binary_lines) -> iterator of str     decodes UTF-8 line by line; NotALog names a line that is not
    show_log(lines, console, just=(), ignore=(), columns=False) -> int     lines: str; returns log lines shown
    NotALog                                 a ValueError: the input is not a raftlab log (says why)

Lines that are not log lines (the runner's `# TestX seed=N: ...` header, test titles, the Passed line, failure
messages) are shown as they are, and in columns on a line of their own, across the columns. Input with neither a
log line nor a line of the tester is not a raftlab log: show_log raises NotALog before printing anything. Peers are
any names (S0 … S12, C3, tester): columns are ordered by name with numbers compared as numbers.
"""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

_LINE = re.compile(r"^\s*(?P<time>\d+\.\d{3})\s+(?P<peer>\S+)\s+(?P<topic>[A-Za-z0-9_]+)\s(?P<message>.*)$")
# lines the tester itself writes into a log: the runner's header, a test's title, its verdict
_TESTER_LINE = re.compile(r"^(# Test\w+ seed=-?\d+|Test \(\d[A-D]\): |\s*\.\.\. Passed --|--- (FAIL|UNKNOWN): Test)")
_EXAMPLE = "     0.412 S0    VOTE     S0 asks for votes in term 1"
_KNOWN = {"VOTE": "bright_cyan", "LEAD": "bold green", "TERM": "green", "TIMR": "bright_black",
          "TIMER": "bright_black", "APPEND": "blue", "LOG": "white", "COMMIT": "magenta", "APPLY": "bright_magenta",
          "PERSIST": "yellow", "SNAP": "bright_yellow", "CLNT": "cyan", "KV": "bright_blue", "TEST": "bold white",
          "INFO": "white", "WARNING": "bold yellow", "ERROR": "bold red", "DROP": "red"}
_PALETTE = ["cyan", "green", "yellow", "blue", "magenta", "bright_cyan", "bright_green", "bright_blue",
            "bright_magenta", "orange3", "turquoise2", "plum2"]


class NotALog(ValueError):
    pass


@dataclass
class LogLine:
    time: float
    peer: str
    topic: str
    message: str


def parse_line(text: str) -> LogLine | None:
    match = _LINE.match(text.rstrip("\n"))
    if match is None:
        return None
    return LogLine(float(match["time"]), match["peer"], match["topic"], match["message"])


def text_lines(binary_lines):
    """Each line of a binary file as text; NotALog at the first line that is not UTF-8 (a raftlab log always is:
    the runner writes what student code prints with backslash escapes)."""
    for number, raw in enumerate(binary_lines, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NotALog(f"line {number} is not UTF-8 text (byte {e.start + 1} of the line is {raw[e.start]:#04x}): "
                          f"a binary file is not a raftlab log") from None


def topic_style(topic: str) -> str:
    return _KNOWN.get(topic.upper()) or _PALETTE[zlib.crc32(topic.upper().encode()) % len(_PALETTE)]


def _peer_order(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def show_log(lines, console: Console, just=(), ignore=(), columns: bool = False) -> int:
    """Print the log whose text lines are `lines`; returns how many log lines were shown. Reads every line before
    printing any: NotALog (from text_lines, or when no line is a log line or a tester line) leaves the screen
    untouched."""
    just = {t.upper() for t in just}
    ignore = {t.upper() for t in ignore}
    entries: list[LogLine | str] = []
    recognised = count = 0
    for count, raw in enumerate(lines, start=1):
        parsed = parse_line(raw)
        if parsed is None:
            recognised += bool(_TESTER_LINE.match(raw))
            if raw.strip():
                entries.append(raw.rstrip("\n"))
            continue
        recognised += 1
        topic = parsed.topic.upper()
        if (just and topic not in just) or topic in ignore:
            continue
        entries.append(parsed)
    if not recognised:
        raise NotALog(f"none of its {count} lines is a log line (like {_EXAMPLE.strip()!r}) or a line the tester "
                      f"writes: it is not a raftlab log" if count else "the file is empty (a raftlab log never is)")
    shown = sum(isinstance(e, LogLine) for e in entries)
    if columns:
        _show_columns(entries, console)
    else:
        for entry in entries:
            if isinstance(entry, str):
                console.print(Text(entry, style="bold"))
            else:
                console.print(Text.assemble((f"{entry.time:10.3f} ", "dim"), (f"{entry.peer:<6}", "bold"),
                                            (f"{entry.topic:<8}", topic_style(entry.topic)),
                                            (entry.message, topic_style(entry.topic))))
    return shown


def _show_columns(entries, console: Console) -> None:
    """Runs of log lines become tables with the same columns (so they line up), and the other lines go between
    them, unindented: a header or a title is no peer's line."""
    log_lines = [e for e in entries if isinstance(e, LogLine)]
    peers = sorted({e.peer for e in log_lines}, key=_peer_order)
    time_width = max([len("time")] + [len(f"{e.time:.3f}") for e in log_lines])
    first_table = True
    for is_text, run in itertools.groupby(entries, key=lambda e: isinstance(e, str)):
        if is_text:
            for entry in run:
                console.print(Text(entry, style="bold"), soft_wrap=True)
            continue
        table = Table(show_header=first_table, show_lines=False, box=None, expand=True, padding=(0, 1))
        first_table = False
        table.add_column("time", justify="right", style="dim", no_wrap=True, width=time_width)
        for peer in peers:
            table.add_column(peer, ratio=1, overflow="fold")
        for entry in run:
            cells = [""] * len(peers)
            cells[peers.index(entry.peer)] = Text.assemble((f"{entry.topic} ", topic_style(entry.topic) + " bold"),
                                                           (entry.message, topic_style(entry.topic)))
            table.add_row(f"{entry.time:.3f}", *cells)
        console.print(table)
