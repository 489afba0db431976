"""Mutant: InstallSnapshot is not checked against what the follower already has: every snapshot of the current term
is installed and handed to the service, so an old, delayed one moves the follower's log, commit index and applied
state back."""
from raft import Raft
from raft.rpc_types import InstallSnapshotReply


class InstallOldSnapshot(Raft):
    def install_snapshot(self, args):
        self._rule_all_servers_step_down_on_higher_term(args.term)
        reply = InstallSnapshotReply(term=self.current_term)
        if args.term < self.current_term:
            return reply
        self._rule_candidates_follow_new_leader()
        self._reset_election_timer()
        index, term = args.last_included_index, args.last_included_term
        if self.log.snapshot_index < index <= self.log.last_index and self.log.term_at(index) == term:
            self.log.compact(index)
        else:
            self.log.reset(index, term)
        self.snapshot_data = args.data
        self.commit_index = index
        self.last_applied = min(self.last_applied, index - 1)   # the service gets the snapshot on apply_ch
        self._persist()
        self._apply_wakeup.set()
        return reply


make = InstallOldSnapshot.make
