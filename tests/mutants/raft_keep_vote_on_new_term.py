"""Mutant: votedFor is not reset when the term changes, so a peer that voted once never votes for anyone else."""
from raft import Raft, Role


class KeepVoteOnNewTerm(Raft):
    def _rule_all_servers_step_down_on_higher_term(self, term):
        if term <= self.current_term:
            return False
        self.current_term, self.role = term, Role.FOLLOWER
        self._persist()
        return True


make = KeepVoteOnNewTerm.make
