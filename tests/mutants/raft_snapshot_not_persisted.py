"""Mutant: persist() saves the state without the snapshot (Go's nil), so a restart loses the snapshot."""
import labrpc
from raft import Raft


class SnapshotNotPersisted(Raft):
    def _persist(self):
        self.persister.save(labrpc.encode(self._persistent_state()), None)


make = SnapshotNotPersisted.make
