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


def _snapshot() -> dict[str, str]:
    hashes = {}
    for package in WATCHED:
        for folder, _, files in os.walk(os.path.join(REFERENCE_ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    try:
                        with open(path, "rb") as f:
                            hashes[path] = hashlib.blake2b(f.read(), digest_size=16).hexdigest()
                    except OSError:
                        hashes[path] = "unreadable"
    return hashes


class TesterFiles:
    def __init__(self):
        self._hashes = _snapshot()

    def changed(self) -> list[str]:
        now = _snapshot()
        return sorted(path for path in self._hashes.keys() | now.keys() if self._hashes.get(path) != now.get(path))


_baseline: TesterFiles | None = None


def watch_tester_files() -> None:
    global _baseline
    if _baseline is None:
        _baseline = TesterFiles()


def tester_files_changed() -> list[str]:
    return _baseline.changed() if _baseline is not None else []
