"""Mutant: matchIndex is initialised once, in Make, and kept across elections (only nextIndex is reinitialised when
the peer becomes leader): a leader elected again still counts what followers acknowledged in its earlier term."""
from raft import Raft


class KeepMatchIndex(Raft):
    def _become_leader(self):
        kept = self.match_index
        super()._become_leader()
        self.match_index = kept


make = KeepMatchIndex.make
