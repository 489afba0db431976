"""Mutant: votedFor is kept in memory but not persisted, so a peer that crashes and restarts can vote a second time
in the same term, and two candidates can both win it."""
from raft import Raft


class NoPersistVotedFor(Raft):
    def _persistent_state(self):
        state = super()._persistent_state()
        state[1] = None  # votedFor
        return state


make = NoPersistVotedFor.make
