"""Stable storage of one Raft peer, and the message Raft sends up to its service.

    Persister()
        save(raft_state, snapshot)   store both at once (atomic); snapshot=None stores no snapshot, as Go's nil
        read_raft_state() -> bytes   what the last save stored (b"" at first)
        read_snapshot() -> bytes
        raft_state_size() -> int     len(read_raft_state())
        snapshot_size() -> int
        copy() -> Persister          a new persister holding the same state (used by crash1)
    ApplyMsg(command_valid, command, command_index, snapshot_valid, snapshot, snapshot_term, snapshot_index)

A crash gives the restarted peer a fresh copy of what was saved; the dead incarnation keeps writing into its old,
orphaned persister, which nobody reads again. Python bytes are immutable, so copies share them safely.

When the peer lives in another process (tester.students), the tester's Persister is bound to the student side's
(`_bind(fetch)`): each read first takes the latest saved state from there, so only what the tester reads crosses,
not every save.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _as_bytes(value, what: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"Persister.save(): {what} must be bytes, not {type(value).__name__}; turn your state into "
                    f"bytes with labrpc.encode(...) first")


class Persister:
    _fetch = None   # the tester's, see _bind

    def __init__(self):
        self._raft_state = b""
        self._snapshot = b""

    def _bind(self, fetch) -> None:
        """From now on the state lives elsewhere: fetch() -> (raft_state, snapshot) gives its latest version."""
        self._fetch = fetch

    def _latest(self) -> None:
        if self._fetch is not None:
            self._raft_state, self._snapshot = self._fetch()

    def copy(self) -> Persister:
        self._latest()
        twin = Persister()
        twin._raft_state, twin._snapshot = self._raft_state, self._snapshot
        return twin

    def save(self, raft_state: bytes, snapshot: bytes | None) -> None:
        self._raft_state = _as_bytes(raft_state, "raft_state")
        self._snapshot = _as_bytes(snapshot, "snapshot")

    def read_raft_state(self) -> bytes:
        self._latest()
        return self._raft_state

    def read_snapshot(self) -> bytes:
        self._latest()
        return self._snapshot

    def raft_state_size(self) -> int:
        self._latest()
        return len(self._raft_state)

    def snapshot_size(self) -> int:
        self._latest()
        return len(self._snapshot)


@dataclass
class ApplyMsg:
    command_valid: bool = False
    command: Any = None
    command_index: int = 0
    snapshot_valid: bool = False
    snapshot: bytes = b""
    snapshot_term: int = 0
    snapshot_index: int = 0
