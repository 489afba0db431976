"""Mutant: the leader counts half the peers (rounded down), itself included, as a majority."""
from raft import Raft


class CommitWithoutMajority(Raft):
    def _replicated_on_majority(self, index):
        return 1 + sum(1 for p in self._other_peers() if self.match_index[p] >= index) >= len(self.peers) // 2


make = CommitWithoutMajority.make
