"""Errors of the simulated world. Each message says who (peer), when (virtual time) and what to do instead.

    SimulationError      base class: the run cannot go on
      DeadlockError      no task can ever run again
      BusyLoopError      a task held the loop too long without yielding
      TimeLimitExceeded  the run's virtual (or real) time limit passed
      MisuseError        the code broke a rule of the simulation (time.sleep, threads, no running world...)
      TaskCrashed        an exception escaped a task (student code, an RPC handler) and nobody handled it
    EncodeError          a value cannot go over the wire or into the persister (names the field path)
    DecodeError          bytes that the codec will not turn back into objects
    student_exception_text(who, what, exc, hide=()) -> str   "S2 at 3.141 s: Raft.start() raised KeyError: 7" and
                         the traceback without the frames of files under the folders in `hide` (the framework's)
    show(value) -> str   a value in a message: its repr, shortened, never raising
    wrong_start(call, obj) -> str | None   why what raft.make / kvraft.start_kv_server / kvraft.make_clerk returned
                         will not do (None if it will); used wherever student code runs
"""

import traceback


class SimulationError(Exception):
    def __init__(self, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.cause = cause


class DeadlockError(SimulationError):
    pass


class BusyLoopError(SimulationError):
    pass


class TimeLimitExceeded(SimulationError):
    pass


class MisuseError(SimulationError):
    pass


class TaskCrashed(SimulationError):
    pass


class EncodeError(TypeError):
    pass


class DecodeError(ValueError):
    pass


def student_exception_text(who: str, what: str, exc: BaseException, hide: tuple[str, ...] = ()) -> str:
    """The failure text for an exception raised by student code: who and when ("S2 at 3.141 s"), which call, and the
    traceback without the framework's own frames (what the student needs to find the bug)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(hide)]
    return f"{who}: {what} raised {type(exc).__name__}: {exc}\n{''.join(traceback.format_list(frames)).rstrip()}"


def show(value) -> str:
    """A value in a message: repr, so that 1 and '1' differ; 5000-character strings shortened."""
    try:
        text = repr(value)
    except Exception:   # an int too long to print, a broken __repr__
        return f"<a {type(value).__name__} that cannot be shown>"
    return text if len(text) <= 60 else f"{text[:40]}...({len(text)} chars)"


_MADE = {"raft.make": "the Raft object", "kvraft.make_clerk": "the Clerk"}


def wrong_start(call: str, obj) -> str | None:
    """What is wrong with obj as the result of call ("raft.make", "kvraft.start_kv_server", "kvraft.make_clerk")."""
    if call == "kvraft.start_kv_server":
        if getattr(obj, "rf", None) is None:
            return (f"{call}() returned {show(obj)}, which has no .rf; it must return the KVServer, with its Raft as "
                    f"kv.rf")
    elif obj is None:
        return f"{call}() returned None; it must return {_MADE[call]}"
    return None
