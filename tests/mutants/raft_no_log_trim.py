"""Mutant: snapshot() keeps the snapshot but does not trim the log, so the persisted state grows without bound."""
from raft import Raft


class NoLogTrim(Raft):
    def snapshot(self, index, snapshot):
        self.snapshot_data = snapshot
        self._persist()


make = NoLogTrim.make
