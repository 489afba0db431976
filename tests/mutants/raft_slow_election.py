"""Mutant: election timeouts of 6-8 s, so no leader is elected within the tester's 5 s."""
from raft import Raft


class SlowElection(Raft):
    ELECTION_TIMEOUT = (6.0, 8.0)


make = SlowElection.make
