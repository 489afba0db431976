"""Leader election: the RequestVote RPC and the candidate's rules (Figure 2), a mixin of raft.Raft.

Raft.request_vote(args: RequestVoteArgs) -> RequestVoteReply    the RPC handler
"""
from __future__ import annotations

import labrpc

from .role import Role
from .rpc_types import RequestVoteArgs, RequestVoteReply


class Election:
    def request_vote(self, args: RequestVoteArgs) -> RequestVoteReply:
        """RequestVote RPC receiver: 1. reply false if term < currentTerm; 2. if votedFor is null or candidateId,
        and the candidate's log is at least as up-to-date as ours, grant the vote (and reset the election timer)."""
        self._rule_all_servers_step_down_on_higher_term(args.term)
        reply = RequestVoteReply(term=self.current_term)
        if args.term < self.current_term:
            return reply
        if self.voted_for in (None, args.candidate_id) and self._candidate_log_is_up_to_date(args):
            self.voted_for = args.candidate_id
            self._persist()
            self._reset_election_timer()
            reply.vote_granted = True
            labrpc.dlog("VOTE", "granted vote to S%d in term %d", args.candidate_id, self.current_term)
        return reply

    def _candidate_log_is_up_to_date(self, args: RequestVoteArgs) -> bool:
        """Election restriction (§5.4.1): the log whose last entry has the later term is more up-to-date; with
        equal last terms, the longer log is. (Comparing lengths alone lets a stale log win.)"""
        if args.last_log_term != self.log.last_term:
            return args.last_log_term > self.log.last_term
        return args.last_log_index >= self.log.last_index

    def _candidate_start_election(self) -> None:
        """Candidates, on conversion: increment currentTerm, vote for self, reset the election timer, send
        RequestVote RPCs to all other servers (each from its own task)."""
        self.role = Role.CANDIDATE
        self.current_term += 1
        self.voted_for = self.me
        self._persist()
        self._reset_election_timer()
        labrpc.dlog("VOTE", "start election for term %d", self.current_term)
        args = RequestVoteArgs(term=self.current_term, candidate_id=self.me,
                               last_log_index=self.log.last_index, last_log_term=self.log.last_term)
        votes = {self.me}
        for peer in self._other_peers():
            self._spawn(self.send_request_vote(peer, args, votes))
        self._candidate_become_leader_on_majority(votes)

    async def send_request_vote(self, peer: int, args: RequestVoteArgs, votes: set[int]) -> None:
        """Send one RequestVote and count the vote. `call` returns None when the RPC failed (lost, or the peer is
        down or cut off); after the await, the term and role may have changed, so the reply may be stale."""
        reply = await self.peers[peer].call("Raft.request_vote", args)
        if reply is None or self._reply_is_stale(args.term, reply.term, Role.CANDIDATE):
            return
        if reply.vote_granted:
            votes.add(peer)
            self._candidate_become_leader_on_majority(votes)

    def _candidate_become_leader_on_majority(self, votes: set[int]) -> None:
        """Candidates: if votes received from a majority of servers, become leader."""
        if self.role is Role.CANDIDATE and self._is_majority(len(votes)):
            self._become_leader()

    def _become_leader(self) -> None:
        """Reinitialize nextIndex (to our last index + 1) and matchIndex (to 0), then start heartbeats."""
        labrpc.dlog("LEAD", "became leader of term %d, log (%d, %d]", self.current_term,
                    self.log.snapshot_index, self.log.last_index)
        self.role = Role.LEADER
        self.next_index = [self.log.last_index + 1] * len(self.peers)
        self.match_index = [0] * len(self.peers)
        self.peer_answers = [True] * len(self.peers)
        self._spawn(self._leader_heartbeat_loop(self.current_term))
