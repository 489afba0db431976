"""Mutant: every peer uses the same election timeout, so peers started together split the vote forever."""
from raft import Raft


class FixedElectionTimeout(Raft):
    def _election_timeout(self):
        return 0.5


make = FixedElectionTimeout.make
