"""Mutant: snapshots hold the data but not the duplicate table, so a server restored from a snapshot applies a
retried Put/Append whose first copy the snapshot already covers a second time."""
import labrpc
from kvraft import KVServer, make_clerk  # noqa: F401  (the reference clerk)


class SnapshotWithoutDupTable(KVServer):
    def _snapshot_state(self):
        return labrpc.encode([self.last_applied, self.data, {}])


start_kv_server = SnapshotWithoutDupTable.start_kv_server
