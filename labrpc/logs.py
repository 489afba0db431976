"""Logging inside the simulation: every line carries its virtual time and peer.

    dlog(topic, fmt, *args)          a debug line under a topic (VOTE, APPEND, ...); nearly free when logs are off
    enable_logging(stream=None, level=logging.DEBUG, topics=None) -> Handler
                                     print log lines (of `topics` only, if given) as `  12.345 S2   VOTE  ...`
    disable_logging(handler)         undo enable_logging
    SimContextFilter                 a logging.Filter that stamps records with .vtime, .peer and .topic, for
                                     student code that uses the standard `logging` module with its own handlers
    LOG_FORMAT                       the line format `raftlab logs` reads back

Lines outside a running simulation get vtime 0 and peer "-".
"""

from __future__ import annotations

import logging
import sys

from labrpc import sim

LOG_FORMAT = "%(vtime)10.3f %(peer)-5s %(topic)-8s %(message)s"
_logger = logging.getLogger("raftlab")


def dlog(topic: str, fmt: str, *args) -> None:
    if _logger.isEnabledFor(logging.DEBUG):
        _logger.debug(fmt, *args, extra={"topic": topic}, stacklevel=2)


class SimContextFilter(logging.Filter):
    def __init__(self, topics=None):
        super().__init__()
        self.topics = {t.upper() for t in topics} if topics else None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("asyncio") and record.levelno < logging.WARNING:
            return False   # the loop's own chatter ("Using selector: ...") is not the student's log
        running = sim._current_sim
        peer = sim.current_peer()
        record.vtime = running.now() if running is not None else 0.0
        record.peer = peer.name if peer is not None else ("tester" if running is not None else "-")
        if not hasattr(record, "topic"):
            record.topic = record.levelname if record.name != "raftlab" else "LOG"
        return self.topics is None or record.topic.upper() in self.topics


def enable_logging(stream=None, level: int = logging.DEBUG, topics=None) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(SimContextFilter(topics))
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level, level) if root.level else level)
    _logger.setLevel(level)
    return handler


def disable_logging(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    _logger.setLevel(logging.NOTSET)
