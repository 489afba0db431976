"""`raftlab logs`: read a run's log with a colour per topic, filters, and optionally a column per peer.

    parse_line(text) -> LogLine | None     `   12.345 S2    VOTE     granted vote to S1` (labrpc.LOG_FORMAT)
    show_log(lines, console, just=(), ignore=(), columns=False, peers=None)

Lines that are not log lines (test titles, the Passed line, failure messages) are shown as they are. Peers are any
names (S0 … S12, C3, tester): columns are ordered by name with numbers compared as numbers.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

_LINE = re.compile(r"^\s*(?P<time>\d+\.\d+)\s+(?P<peer>\S+)\s+(?P<topic>[A-Za-z0-9_]+)\s(?P<message>.*)$")
_KNOWN = {"VOTE": "bright_cyan", "LEAD": "bold green", "TERM": "green", "TIMR": "bright_black",
          "TIMER": "bright_black", "APPEND": "blue", "LOG": "white", "COMMIT": "magenta", "APPLY": "bright_magenta",
          "PERSIST": "yellow", "SNAP": "bright_yellow", "CLNT": "cyan", "KV": "bright_blue", "TEST": "bold white",
          "INFO": "white", "WARNING": "bold yellow", "ERROR": "bold red", "DROP": "red"}
_PALETTE = ["cyan", "green", "yellow", "blue", "magenta", "bright_cyan", "bright_green", "bright_blue",
            "bright_magenta", "orange3", "turquoise2", "plum2"]


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


def topic_style(topic: str) -> str:
    return _KNOWN.get(topic.upper()) or _PALETTE[zlib.crc32(topic.upper().encode()) % len(_PALETTE)]


def _peer_order(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def show_log(lines, console: Console, just=(), ignore=(), columns: bool = False) -> int:
    """Print the log; returns how many log lines were shown."""
    just = {t.upper() for t in just}
    ignore = {t.upper() for t in ignore}
    entries: list[LogLine | str] = []
    for raw in lines:
        parsed = parse_line(raw)
        if parsed is None:
            if raw.strip():
                entries.append(raw.rstrip("\n"))
            continue
        topic = parsed.topic.upper()
        if (just and topic not in just) or topic in ignore:
            continue
        entries.append(parsed)
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
    peers = sorted({e.peer for e in entries if isinstance(e, LogLine)}, key=_peer_order)
    table = Table(show_lines=False, box=None, expand=True, padding=(0, 1))
    table.add_column("time", justify="right", style="dim", no_wrap=True)
    for peer in peers:
        table.add_column(peer, ratio=1, overflow="fold")
    for entry in entries:
        if isinstance(entry, str):
            if peers:
                table.add_row("", Text(entry, style="bold"), *[""] * (len(peers) - 1))
            continue
        cells = [""] * len(peers)
        cells[peers.index(entry.peer)] = Text.assemble((f"{entry.topic} ", topic_style(entry.topic) + " bold"),
                                                       (entry.message, topic_style(entry.topic)))
        table.add_row(f"{entry.time:.3f}", *cells)
    console.print(table)
