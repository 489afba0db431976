"""Mutant: a follower sets commitIndex = min(leaderCommit, its own last index) instead of the index of the last
new entry of the request: a stale tail of an old term past the matching point gets committed."""
from raft import Raft


class CommitPastNewEntries(Raft):
    def _follower_advance_commit_index(self, args):
        commit = min(args.leader_commit, self.log.last_index)
        if commit > self.commit_index:
            self.commit_index = commit
            self._apply_wakeup.set()


make = CommitPastNewEntries.make
