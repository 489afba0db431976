"""Mutant: a candidate does not check a RequestVote reply's term: a grant that arrives after the candidate moved to a
later term is added to the tally of the election it answers, and if that tally reaches a majority the candidate
becomes leader of its current term (AppendEntries replies are still checked)."""
from raft import Raft, Role


class CountStaleVotes(Raft):
    async def send_request_vote(self, peer, args, votes):
        reply = await self.peers[peer].call("Raft.request_vote", args)
        if reply is None:
            return
        self._rule_all_servers_step_down_on_higher_term(reply.term)
        if self.role is Role.CANDIDATE and reply.vote_granted:
            votes.add(peer)
            self._candidate_become_leader_on_majority(votes)


make = CountStaleVotes.make
