"""Mutant: a restarted peer does not reload its persisted snapshot, so its next persist() erases it."""
from raft import Raft


class RestartIgnoresSnapshot(Raft):
    def _read_persisted_snapshot(self):
        return b""


make = RestartIgnoresSnapshot.make
