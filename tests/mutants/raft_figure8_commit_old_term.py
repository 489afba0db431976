"""Mutant: the leader commits an entry of an earlier term as soon as a majority holds it (the Figure 8 bug)."""
from raft import Raft


class Figure8CommitOldTerm(Raft):
    def _leader_advance_commit_index(self):
        for n in range(self.log.last_index, self.commit_index, -1):
            if self._replicated_on_majority(n):
                self._leader_commit(n)
                return


make = Figure8CommitOldTerm.make
