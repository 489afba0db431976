"""Log compaction: the service's snapshot() call and the InstallSnapshot RPC (Figure 13), a mixin of raft.Raft.

Raft.snapshot(index, snapshot)                                          the service saved log[1..index]: trim it
Raft.install_snapshot(args: InstallSnapshotArgs) -> InstallSnapshotReply  the RPC handler
"""
from __future__ import annotations

import labrpc

from .role import Role
from .rpc_types import InstallSnapshotArgs, InstallSnapshotReply


class Snapshots:
    def snapshot(self, index: int, snapshot: bytes) -> None:
        """The service has a snapshot of everything up to and including index: discard those entries and persist
        the snapshot with the state. A call for an index we already trimmed past (a leader's snapshot may have
        been installed meanwhile) changes nothing."""
        if index <= self.log.snapshot_index:
            return
        if index > self.commit_index:
            raise ValueError(f"snapshot({index}) of an entry that is not committed (commit index "
                             f"{self.commit_index}): the service may only snapshot entries it received on apply_ch")
        self.log.compact(index)
        self.snapshot_data = snapshot
        self._persist()
        labrpc.dlog("SNAP", "snapshot through %d, log (%d, %d]", index, self.log.snapshot_index, self.log.last_index)

    def install_snapshot(self, args: InstallSnapshotArgs) -> InstallSnapshotReply:
        """InstallSnapshot RPC receiver, whole snapshot in one RPC: 1. reply immediately if term < currentTerm;
        6. if an entry has the snapshot's last index and term, keep the entries after it; 7. otherwise discard
        the entire log; 8. the applier hands the snapshot to the service, which resets its state from it."""
        self._rule_all_servers_step_down_on_higher_term(args.term)
        reply = InstallSnapshotReply(term=self.current_term)
        if args.term < self.current_term:
            return reply
        self._rule_candidates_follow_new_leader()
        self._reset_election_timer()
        index, term = args.last_included_index, args.last_included_term
        if index <= self.commit_index:
            return reply  # we hold every entry it covers already (an old or duplicated request)
        if index <= self.log.last_index and self.log.term_at(index) == term:
            self.log.compact(index)
        else:
            self.log.reset(index, term)
        self.snapshot_data = args.data
        self.commit_index = index
        self._persist()
        labrpc.dlog("SNAP", "installed snapshot through %d from S%d, log (%d, %d]", index, args.leader_id,
                    self.log.snapshot_index, self.log.last_index)
        self._apply_wakeup.set()
        return reply

    def _leader_send_snapshot(self, peer: int) -> None:
        """Leaders: a follower that needs entries we have already discarded gets our snapshot."""
        args = InstallSnapshotArgs(term=self.current_term, leader_id=self.me,
                                   last_included_index=self.log.snapshot_index,
                                   last_included_term=self.log.snapshot_term, data=self.snapshot_data)
        self._spawn(self._send_install_snapshot(peer, args))

    async def _send_install_snapshot(self, peer: int, args: InstallSnapshotArgs) -> None:
        reply = await self.peers[peer].call("Raft.install_snapshot", args)
        if reply is None or self._reply_is_stale(args.term, reply.term, Role.LEADER):
            return
        self.match_index[peer] = max(self.match_index[peer], args.last_included_index)
        self.next_index[peer] = max(self.next_index[peer], args.last_included_index + 1)
        self._leader_advance_commit_index()
        if self.next_index[peer] <= self.log.last_index:
            self._leader_replicate_to(peer)
