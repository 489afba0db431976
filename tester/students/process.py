"""One student side as a process: spawn it (sandboxed when bubblewrap works), talk to it, watch it, stop it.

    proc = StudentProcess.take(source, hash_seed="0", sink=None)   a started `labrpc.host` child for this
                                            implementation; nothing of the submission runs before the first command.
                                            A spare is started at once for the next run of the same implementation:
                                            Python's start-up then overlaps with this run instead of adding to it
    report = proc.exchange(command, budget, what, on_timeout=None)   send one command (labrpc.wire) and wait up to
                                            budget real seconds for its report; what: for messages ("during
                                            Raft.start() of S1"); on_timeout: the failure to raise when the budget
                                            runs out (default: a busy loop)
    proc.tail() -> str                      the last OUTPUT_TAIL_BYTES it printed (print, logging, tracebacks)
    proc.close()                            kill it and all it started; remove its folder
    StudentSideFailed(message)              it exited, was killed, spun, printed too much or broke the protocol
    clean(text) -> str                      text from the student side, safe to print and to put in XML

Limits (per run): MEMORY_LIMIT_BYTES of address space; OUTPUT_LIMIT_BYTES of output (RAFTLAB_OUTPUT_LIMIT);
BUSY_LIMIT_S real seconds for one turn of its loop (RAFTLAB_BUSY_LIMIT): its own watchdog reports where it spins, and
the tester stops waiting ANSWER_GRACE_S later in any case. Output is read as it comes, into a bounded tail: a flood
never reaches a disk, and no file is read whole to find its end.
"""

from __future__ import annotations

import atexit
import codecs
import collections
import functools
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import labrpc
from labrpc import wire

from tester.students import integrity, sandbox

MEMORY_LIMIT_BYTES = 4 * 1024 ** 3
OUTPUT_LIMIT_BYTES = int(os.environ.get("RAFTLAB_OUTPUT_LIMIT", 64 * 1024 * 1024))
BUSY_LIMIT_S = float(os.environ.get("RAFTLAB_BUSY_LIMIT", 10.0))
ANSWER_GRACE_S = 5.0
OUTPUT_TAIL_BYTES = 64 * 1024
LABRPC_DIR = os.path.dirname(os.path.abspath(labrpc.__file__))


def clean(text, limit: int = 20_000) -> str:
    """Text from the student side, fit for a terminal and an XML report: a str, at most limit characters, and no
    control characters but newline and tab (an escape sequence could paint a fake PASS over the real verdict)."""
    text = text if isinstance(text, str) else f"(not text: {type(text).__name__})"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text[:limit])


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class StudentSideFailed(labrpc.SimulationError):
    """The student side is gone or unusable; the message says how, when, and what it printed last."""


@functools.lru_cache(maxsize=None)
def _stage(links: tuple[tuple[str, str], ...]) -> str:
    """A folder holding only links to the packages the student side may import (labrpc, the reference raft...):
    the one entry of its sys.path besides the submission, so that nothing of the tester is importable there."""
    stage = tempfile.mkdtemp(prefix="raftlab-stage-")
    atexit.register(shutil.rmtree, stage, True)
    for name, target in links:
        os.symlink(target, os.path.join(stage, name))
    return stage


# Started, not yet used: one per implementation and hash seed, for the few most recent ones (a test suite that
# tries many implementations must not leave an idle process behind for each).
_spares: collections.OrderedDict[tuple, StudentProcess] = collections.OrderedDict()
MAX_SPARES = 2


def _close_spares() -> None:
    for spare in _spares.values():
        spare.close()
    _spares.clear()


atexit.register(_close_spares)


class StudentProcess:
    @classmethod
    def take(cls, source, *, hash_seed: str = "0", sink=None) -> StudentProcess:
        key = (source.spec, source.root, source.either, tuple(sorted(source.links.items())), hash_seed,
               sandbox.sandbox_mode())
        proc = _spares.pop(key, None)
        if proc is None or proc._proc.poll() is not None:
            if proc is not None:
                proc.close()
            proc = cls(source, hash_seed=hash_seed)
        proc.sink = sink
        _spares[key] = cls(source, hash_seed=hash_seed)
        while len(_spares) > MAX_SPARES:
            _spares.popitem(last=False)[1].close()
        return proc

    def __init__(self, source, *, hash_seed: str = "0", sink=None):
        self.source = source
        self.sink = sink
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = bytearray()
        self._printed = 0
        self.failure: labrpc.SimulationError | None = None
        self.mode = sandbox.sandbox_mode()
        stage = _stage(tuple(sorted(source.links.items())))
        cmd_r, self._cmd_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        self._out_r, out_w = os.pipe()
        boot = (f"import sys; sys.path[:0] = [{stage!r}]; from labrpc.host import main; "
                f"main({cmd_r}, {rep_w}, {MEMORY_LIMIT_BYTES})")
        argv = [sys.executable, "-s", "-S", "-u", "-c", boot]
        self._scratch = None
        if self.mode == "bwrap":
            readable = [stage, *source.links.values(), *([source.root] if source.root else [])]
            argv = sandbox.bwrap_argv(argv, readable, [source.reference_root], "/scratch")
            cwd = "/"
        else:
            integrity.watch_tester_files()   # before any student code can run unsandboxed (and write them)
            self._scratch = cwd = tempfile.mkdtemp(prefix="raftlab-student-")
        home = "/scratch" if self.mode == "bwrap" else cwd
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONHASHSEED": hash_seed, "LANG": "C.UTF-8",
               "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
               "HOME": home, "TMPDIR": home}
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, cwd=cwd,
                                          env=env, pass_fds=(cmd_r, rep_w), close_fds=True, start_new_session=True)
        finally:
            for fd in (cmd_r, rep_w, out_w):
                os.close(fd)
        for fd in (self._rep_r, self._out_r, self._cmd_w):
            os.set_blocking(fd, False)
        self._reader = wire.FrameReader(self._rep_r)
        self._poll = select.poll()
        self._poll.register(self._rep_r, select.POLLIN)
        self._poll.register(self._out_r, select.POLLIN)
        self._out_open = True

    # --- the conversation
    def exchange(self, command, budget: float, what, on_timeout: labrpc.SimulationError | None = None):
        """what: a str, or a callable that makes it (only a failure needs it, and this is every exchange's path)."""
        doing = what if callable(what) else (lambda: what)
        if self.failure is not None:
            raise self.failure
        unsent = memoryview(wire.frame(command))   # written as the student side reads it: it may not read at all
        try:
            unsent = unsent[os.write(self._cmd_w, unsent):]   # the pipe has room for most commands: no wait
        except BlockingIOError:
            pass
        except OSError:
            self._gone(doing())
        if unsent:
            self._poll.register(self._cmd_w, select.POLLOUT)
        deadline = time.monotonic() + budget
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if on_timeout is not None:
                    self._give_up(str(on_timeout), type(on_timeout))
                self._stuck(doing(), budget)
            ready = dict(self._poll.poll(remaining * 1000))
            if self._cmd_w in ready:
                try:
                    unsent = unsent[os.write(self._cmd_w, unsent):]
                except BlockingIOError:
                    pass
                except OSError:
                    self._gone(doing())
                if not unsent:
                    self._poll.unregister(self._cmd_w)
            if self._out_r in ready:   # before the report: the student side printed it first
                self._read_output()
            if self._rep_r in ready:
                try:
                    messages = self._reader.feed()
                except wire.WireError as exc:
                    self._give_up(f"the student side broke the protocol {doing()}: {exc}")
                if messages:
                    report = messages[0]
                    if unsent or not isinstance(report, tuple) or not report:
                        self._give_up(f"the student side broke the protocol {doing()}: a report out of turn")
                    if report[0] in ("busy", "timeout") and len(report) == 2:   # from its watchdog: it is gone
                        self._give_up(clean(report[1]), labrpc.TimeLimitExceeded if report[0] == "timeout" else None)
                    if len(report) != 5:
                        self._give_up(f"the student side broke the protocol {doing()}: a report of {len(report)} parts")
                    return report
                if self._reader.closed:
                    self._gone(doing())

    # --- output
    def _read_output(self) -> None:
        while True:
            try:
                chunk = os.read(self._out_r, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:   # it closed its output: nothing more will come (and poll would report it forever)
                if self._out_open:
                    self._out_open = False
                    self._poll.unregister(self._out_r)
                return
            self._printed += len(chunk)
            self._tail += chunk
            if len(self._tail) > 2 * OUTPUT_TAIL_BYTES:
                del self._tail[:-OUTPUT_TAIL_BYTES]
            if self.sink is not None:
                self.sink(self._decoder.decode(chunk))
            if self._printed > OUTPUT_LIMIT_BYTES:
                self._give_up(f"output limit: the student side printed more than {OUTPUT_LIMIT_BYTES:,} bytes in "
                              f"one run (an output flood?); stopped")

    def tail(self, limit: int = OUTPUT_TAIL_BYTES) -> str:
        return bytes(self._tail[-limit:]).decode("utf-8", errors="replace")

    # --- ends
    def _last_words(self) -> str:
        text = clean(self.tail(3000).rstrip())
        quoted = "\n".join(f"  | {line}" for line in text.splitlines())   # never mistaken for the tester's lines
        return f"\nLast output of the student side:\n{quoted}" if text else "\n(it printed nothing)"

    def _gone(self, what: str) -> None:
        try:
            status = self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            status = None
        self._read_output()
        if status is None:
            how = "closed its pipes"
        elif self.mode == "bwrap" and status > 128:   # bwrap exits with 128 + the signal that killed its child
            how = f"was killed by signal {signal.Signals(status - 128).name}"
        elif status < 0:
            how = f"was killed by signal {signal.Signals(-status).name}"
        else:
            how = f"exited with status {status}"
        hint = ""
        if "MemoryError" in self.tail() or status in (-9, 137):
            hint = f" (out of memory? the student side may use {MEMORY_LIMIT_BYTES // 1024 ** 3} GiB)"
        self._give_up(f"the student side {how} {what}{hint} (sys.exit, os._exit or a crash in student code)")

    def _stuck(self, what: str, budget: float) -> None:
        if self._reader.pending():
            self._give_up(f"the student side broke the protocol {what}: it sent part of a report "
                          f"({self._reader.pending()} bytes) and then nothing for {budget:g} s")
        self._give_up(f"busy loop: the student side did not come back within {budget:g} s of real time {what} "
                      f"(a loop that never awaits, or code stuck in a blocking call)")

    def _give_up(self, message: str, kind: type = None) -> None:
        self.failure = (kind or StudentSideFailed)(message + self._last_words())
        self.close()
        raise self.failure

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)   # it and everything it started (same process group)
            except ProcessLookupError:
                pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self._cmd_w, self._rep_r, self._out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._cmd_w = self._rep_r = self._out_r = -1
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
