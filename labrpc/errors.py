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
    student_stack_text(frame, hide) -> str   where a running thread is, for the student: "  student code at FILE,
                         line N, in F: CODE", then the student's frames only (none of files under `hide`)
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


# A deep recursion would fill the message with one frame repeated: its innermost frames are the ones to read.
_MAX_STUDENT_FRAMES = 30


def _student_frames(frames: traceback.StackSummary, hide: tuple[str, ...]) -> str:
    """The frames of files not under `hide`, outermost first, as Python prints them (no header, no blank line)."""
    kept = [frame for frame in frames if not frame.filename.startswith(hide)]
    text = "".join(traceback.format_list(kept[-_MAX_STUDENT_FRAMES:])).rstrip()
    if len(kept) > _MAX_STUDENT_FRAMES:
        text = f"  ... {len(kept) - _MAX_STUDENT_FRAMES} outer frames not shown\n{text}"
    return text


def student_exception_text(who: str, what: str, exc: BaseException, hide: tuple[str, ...] = ()) -> str:
    """The failure text for an exception raised by student code: who and when ("S2 at 3.141 s"), which call, and the
    traceback without the framework's own frames (what the student needs to find the bug)."""
    head = f"{who}: {what} raised {type(exc).__name__}: {exc}"
    frames = _student_frames(traceback.extract_tb(exc.__traceback__), hide)
    return f"{head}\n{frames}" if frames else head


def student_stack_text(frame, hide: tuple[str, ...]) -> str:
    """Where a thread stands (frame: its innermost frame, from sys._current_frames()), as the student needs it: the
    innermost line of student code first (the stack's own innermost lines are often asyncio's), then the student's
    frames, outermost first. Frames of files under `hide` (the framework, the standard library) are left out."""
    if frame is None:
        return "  (no stack)"
    stack = traceback.extract_stack(frame)
    own = [summary for summary in stack if not summary.filename.startswith(hide)]
    if not own:
        inner = stack[-1] if stack else None
        return "  (no student code on the stack" + (f"; it was in {inner.filename}, line {inner.lineno}, in "
                                                    f"{inner.name})" if inner else ")")
    inner = own[-1]
    return (f"  student code at {inner.filename}, line {inner.lineno}, in {inner.name}: {(inner.line or '').strip()}\n"
            f"{_student_frames(stack, hide)}")


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
