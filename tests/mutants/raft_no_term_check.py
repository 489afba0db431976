"""Mutant: replies are not checked against the term their request was sent in (term confusion). Votes are counted
on the peer, reset at each election and bumped by any granted reply, so a late grant from an earlier election counts
toward the current one; a leader also acts on AppendEntries replies to requests of an earlier term."""
from raft import Raft, Role


class NoTermCheck(Raft):
    def _candidate_start_election(self):
        self.votes_received = 1  # ourselves; set before the election starts counting
        super()._candidate_start_election()

    async def send_request_vote(self, peer, args, votes):
        reply = await self.peers[peer].call("Raft.request_vote", args)
        if reply is None or self._reply_is_stale(args.term, reply.term, Role.CANDIDATE):
            return
        if reply.vote_granted:
            self.votes_received += 1
            if self.role is Role.CANDIDATE and self._is_majority(self.votes_received):
                self._become_leader()

    def _reply_is_stale(self, sent_term, reply_term, role):
        self._rule_all_servers_step_down_on_higher_term(reply_term)
        return self.role is not role


make = NoTermCheck.make
