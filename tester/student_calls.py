"""Calling into student code from the tester: as the right peer, with a clear failure if it breaks.

    call_as(peer, what, fn, *args) -> result
        run fn(*args) as `peer` (tasks it creates belong to that peer, so crash1 kills them), and turn any
        exception into a TestFailure naming the peer, the virtual time and the call ("S2 at 3.141 s: Raft.start()
        raised KeyError: 7", plus the student's part of the traceback). A coroutine result is refused: the
        Raft API (make, get_state, start, snapshot, kill) is made of plain functions that return at once.
"""

from __future__ import annotations

import inspect
import os

import labrpc
from labrpc.errors import student_exception_text

from tester.testing import TestFailure

_TESTER_DIR = os.path.dirname(os.path.abspath(__file__))


def call_as(peer: labrpc.Peer, what: str, fn, *args):
    try:
        with peer.active():
            result = fn(*args)
    except TestFailure:
        raise
    except Exception as exc:
        raise student_error(peer, f"{what}()", exc) from exc
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()   # never awaited: do not let Python warn about it later
        raise TestFailure(f"{peer.name} at {labrpc.now():.3f} s: {what}() returned an awaitable; it must be a "
                          f"plain `def` that returns at once (start background work with asyncio.create_task)")
    return result


def student_error(peer: labrpc.Peer, what: str, exc: BaseException) -> TestFailure:
    """The failure for an exception raised by student code: who, when, which call, and the traceback without
    the tester's own frames (what the student needs to find the bug)."""
    return TestFailure(student_exception_text(f"{peer.name} at {labrpc.now():.3f} s", what, exc, (_TESTER_DIR,)))
