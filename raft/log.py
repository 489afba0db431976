"""The Raft log, with a snapshot offset. Indices are the paper's: the first entry ever appended has index 1.

Log(snapshot_index=0, snapshot_term=0, entries=())   a log whose prefix up to snapshot_index is in a snapshot
Log.from_encoded(snapshot_index, snapshot_term, encoded)   rebuild a log from encoded() (after a restart)
log.snapshot_index, log.snapshot_term                the last index (and its term) covered by the snapshot
log.last_index, log.last_term                        the last entry, or the snapshot boundary if there is none
log.term_at(i)                                       term of entry i, for snapshot_index <= i <= last_index
log.command_at(i)                                    the command of entry i (i > snapshot_index)
log.entries_from(i)                                  a copy of the entries i..last, as (term, command) tuples
log.encoded() -> (bytearray, bytes)                  the entries after the snapshot as stored: one buffer of
                                                     entries encoded one by one (the log's own: encode it at
                                                     once, labrpc.encode copies it), and their end offsets
log.append(entries)                                  append a list of (term, command) tuples
log.truncate_from(i)                                 delete entries i..last (i > snapshot_index)
log.first_index_of_term(i)                           first index, not below snapshot_index+1, with the term of i
log.last_index_of_term(term)                         last index holding term, or None (searching after the snapshot)
log.compact(i)                                       drop entries up to i, which becomes the snapshot boundary
log.reset(snapshot_index, snapshot_term)             drop everything: the log restarts after a new snapshot
"""
from __future__ import annotations

from array import array

from labrpc import decode, encode


class Log:
    def __init__(self, snapshot_index: int = 0, snapshot_term: int = 0, entries=()):
        # _entries[0] is a sentinel standing for the last entry covered by the snapshot (index 0, term 0 before
        # any snapshot), so the prevLogIndex/prevLogTerm check works at the snapshot boundary as at the start.
        self._entries = [(snapshot_term, None), *entries]
        # Each entry is encoded once, when appended, into one buffer (with end offsets): persisting then copies
        # two byte strings instead of re-encoding the whole log on every change, which made lab 3 (no snapshots,
        # thousands of entries) quadratic.
        self._buffer = bytearray()
        self._ends = array("q", [0])
        self._encode_tail(entries)
        self.snapshot_index = snapshot_index

    def _encode_tail(self, entries) -> None:
        for entry in entries:
            self._buffer += encode(entry)
            self._ends.append(len(self._buffer))

    @classmethod
    def from_encoded(cls, snapshot_index: int, snapshot_term: int, encoded: tuple[bytearray, bytes]) -> Log:
        buffer, ends_bytes = encoded
        ends = array("q")
        ends.frombytes(ends_bytes)
        log = cls(snapshot_index, snapshot_term)
        log._entries.extend(decode(buffer[ends[i - 1]:ends[i]]) for i in range(1, len(ends)))
        log._buffer, log._ends = bytearray(buffer), ends
        return log

    def encoded(self) -> tuple[bytearray, bytes]:
        # Not bytes(self._buffer): persisting then copies the whole log once (into the encoding), not twice.
        return self._buffer, self._ends.tobytes()

    def __len__(self) -> int:
        return len(self._entries) - 1

    @property
    def snapshot_term(self) -> int:
        return self._entries[0][0]

    @property
    def last_index(self) -> int:
        return self.snapshot_index + len(self._entries) - 1

    @property
    def last_term(self) -> int:
        return self._entries[-1][0]

    def _pos(self, index: int, lowest: int) -> int:
        if not lowest <= index <= self.last_index:
            raise IndexError(f"log index {index} outside [{lowest}, {self.last_index}] "
                             f"(snapshot_index={self.snapshot_index})")
        return index - self.snapshot_index

    def term_at(self, index: int) -> int:
        return self._entries[self._pos(index, self.snapshot_index)][0]

    def command_at(self, index: int):
        return self._entries[self._pos(index, self.snapshot_index + 1)][1]

    def entries_from(self, index: int) -> list[tuple]:
        if index == self.last_index + 1:
            return []
        return self._entries[self._pos(index, self.snapshot_index + 1):]

    def append(self, entries) -> None:
        self._entries.extend(entries)
        self._encode_tail(entries)

    def truncate_from(self, index: int) -> None:
        pos = self._pos(index, self.snapshot_index + 1)
        del self._entries[pos:], self._buffer[self._ends[pos - 1]:], self._ends[pos:]

    def first_index_of_term(self, index: int) -> int:
        term, pos = self.term_at(index), index - self.snapshot_index
        while pos > 1 and self._entries[pos - 1][0] == term:
            pos -= 1
        return self.snapshot_index + pos

    def last_index_of_term(self, term: int) -> int | None:
        for pos in range(len(self._entries) - 1, 0, -1):
            if self._entries[pos][0] == term:
                return self.snapshot_index + pos
            if self._entries[pos][0] < term:
                return None
        return None

    def compact(self, index: int) -> None:
        pos = self._pos(index, self.snapshot_index)
        self._entries = [(self._entries[pos][0], None), *self._entries[pos + 1:]]
        cut = self._ends[pos]
        del self._buffer[:cut]
        self._ends = array("q", [0, *(end - cut for end in self._ends[pos + 1:])])
        self.snapshot_index = index

    def reset(self, snapshot_index: int, snapshot_term: int) -> None:
        self._entries = [(snapshot_term, None)]
        self._buffer, self._ends = bytearray(), array("q", [0])
        self.snapshot_index = snapshot_index
