"""Mutant (Raft side): the leader sends AppendEntries only on its heartbeat ticks. start() appends the command
and leaves it for the next tick, so every KV operation waits up to a heartbeat interval (100 ms) before its
replication even begins."""
import asyncio

from kvraft import KVServer, make_clerk  # noqa: F401  (the reference clerk)
from raft import Raft, Role


class ReplicateOnHeartbeatOnly(Raft):
    async def _leader_heartbeat_loop(self, term):
        while not self.dead and self.role is Role.LEADER and self.current_term == term:
            for peer in self._other_peers():
                self._leader_replicate_to(peer)
            await asyncio.sleep(self.HEARTBEAT_INTERVAL)   # deaf to start()'s wake-up call


class KVServerOnHeartbeatRaft(KVServer):
    def _make_raft(self, servers, me, persister):
        return ReplicateOnHeartbeatOnly.make(servers, me, persister, self.apply_ch)


make = ReplicateOnHeartbeatOnly.make
start_kv_server = KVServerOnHeartbeatRaft.start_kv_server
