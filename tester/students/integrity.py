"""What the student side could still reach without the sandbox, watched from the trusted side.

    protect_this_process()        make this (trusted) process's /proc entries (fds, memory, environment) unreadable
                                  to other processes of the same user (PR_SET_DUMPABLE 0), so a student side cannot
                                  write into its pipes through /proc/<pid>/fd. Linux only; a no-op elsewhere. Root
                                  bypasses it: there, the sandbox is what keeps the student side out.
    watch_tester_files()          hash raftlab's own files (WATCHED packages) now, once per process: called before the
                                  first student side starts unsandboxed
    tester_files_changed() -> [path]   files that differ from then (written, replaced, removed, added); [] if never
                                  watched

Without bubblewrap the student side runs as you and can write raftlab's install; a run that did is failed, and the
runner stops (tester.run_one, tester.runner).
"""

from __future__ import annotations

import ctypes
import hashlib
import os

from tester.impl import REFERENCE_ROOT

PR_SET_DUMPABLE = 4
WATCHED = ("tester", "labrpc", "grading", "raft", "kvraft")   # every package the trusted side runs or grades with


def protect_this_process() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watched_files():
    for package in WATCHED:
        for folder, _, files in os.walk(os.path.join(REFERENCE_ROOT, package)):
            yield from (os.path.join(folder, name) for name in files if name.endswith(".py"))


def _stat_key(path: str):
    """What the kernel changes at every write: ctime cannot be set back from user space (utime sets mtime and atime
    only), so an equal key means the file was not written since."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _digest(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.blake2b(f.read(), digest_size=16).hexdigest()
    except OSError:
        return "unreadable"


class TesterFiles:
    def __init__(self):
        # path -> (stat key, content hash). After every run each file is stat-ed, and read again only if its stat
        # key moved: hashing every file after every run cost the runner a fifth of a core on short runs.
        self._known = {path: (_stat_key(path), _digest(path)) for path in _watched_files()}

    def changed(self) -> list[str]:
        changed, seen = [], set()
        for path in _watched_files():
            seen.add(path)
            known = self._known.get(path)
            if known is None:
                changed.append(path)   # added
            elif (key := _stat_key(path)) is None or key != known[0]:
                if _digest(path) != known[1]:
                    changed.append(path)   # written (a touch that kept the content is no change)
        return sorted(changed + [path for path in self._known if path not in seen])   # + removed


_baseline: TesterFiles | None = None


def watch_tester_files() -> None:
    global _baseline
    if _baseline is None:
        _baseline = TesterFiles()


def tester_files_changed() -> list[str]:
    return _baseline.changed() if _baseline is not None else []
