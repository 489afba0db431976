"""Mutant: the election timer is reset on every RequestVote received, granted or refused: a peer that keeps
refusing stale candidates never stands for election itself."""
from raft import Raft


class ResetTimerOnAnyVote(Raft):
    def request_vote(self, args):
        reply = super().request_vote(args)
        self._reset_election_timer()
        return reply


make = ResetTimerOnAnyVote.make
