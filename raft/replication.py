"""Log replication: the AppendEntries RPC, the follower's rules and the leader's rules (Figure 2), a mixin of
raft.Raft.

Raft.append_entries(args: AppendEntriesArgs) -> AppendEntriesReply    the RPC handler
"""
from __future__ import annotations

import asyncio

import labrpc

from .role import Role
from .rpc_types import AppendEntriesArgs, AppendEntriesReply


class Replication:
    # ---- AppendEntries RPC receiver ----

    def append_entries(self, args: AppendEntriesArgs) -> AppendEntriesReply:
        """AppendEntries RPC receiver: 1. reply false if term < currentTerm; 2. reply false if the log has no entry
        at prevLogIndex whose term is prevLogTerm; 3.-4. resolve conflicts and append; 5. advance commitIndex."""
        self._rule_all_servers_step_down_on_higher_term(args.term)
        reply = AppendEntriesReply(term=self.current_term)
        if args.term < self.current_term:
            return reply
        self._rule_candidates_follow_new_leader()
        self._reset_election_timer()
        if not self._follower_log_matches(args, reply):
            return reply
        self._follower_append_new_entries(args)
        self._follower_advance_commit_index(args)
        reply.success = True
        return reply

    def _rule_candidates_follow_new_leader(self) -> None:
        """Candidates: if AppendEntries (or InstallSnapshot) is received from the new leader, convert to follower."""
        if self.role is Role.CANDIDATE:
            self.role = Role.FOLLOWER

    def _follower_log_matches(self, args: AppendEntriesArgs, reply: AppendEntriesReply) -> bool:
        """2. Reply false if the log has no entry at prevLogIndex whose term matches prevLogTerm, and tell the
        leader where our log diverges (fast backup: XTerm, the first index of XTerm, XLen) so that it skips a
        whole term per round trip. Entries inside our snapshot are committed, hence match."""
        reply.x_len = self.log.last_index + 1
        if args.prev_log_index > self.log.last_index:
            return False
        if args.prev_log_index <= self.log.snapshot_index:
            return True
        term = self.log.term_at(args.prev_log_index)
        if term == args.prev_log_term:
            return True
        reply.x_term, reply.x_index = term, self.log.first_index_of_term(args.prev_log_index)
        return False

    def _follower_append_new_entries(self, args: AppendEntriesArgs) -> None:
        """3. If an existing entry conflicts with a new one (same index, different terms), delete it and all that
        follow it. 4. Append any new entries not already in the log. An entry that matches is kept, with
        everything after it: this request may be an old, delayed one, and truncating would drop entries we
        already acknowledged."""
        for i, (term, _command) in enumerate(args.entries):
            index = args.prev_log_index + 1 + i
            if index <= self.log.snapshot_index:
                continue
            if index <= self.log.last_index:
                if self.log.term_at(index) == term:
                    continue
                labrpc.dlog("APPEND", "conflict at %d: drop (%d, %d]", index, index - 1, self.log.last_index)
                self.log.truncate_from(index)
            self.log.append(args.entries[i:])
            self._persist()
            labrpc.dlog("APPEND", "appended (%d, %d] from S%d", index - 1, self.log.last_index, args.leader_id)
            return

    def _follower_advance_commit_index(self, args: AppendEntriesArgs) -> None:
        """5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry). Only the
        entries this request vouches for count: a longer tail of ours may still be wrong."""
        commit = min(args.leader_commit, args.prev_log_index + len(args.entries))
        if commit > self.commit_index:
            self.commit_index = commit
            labrpc.dlog("COMMIT", "commit index %d (follower)", commit)
            self._apply_wakeup.set()

    # ---- Rules for leaders ----

    async def _leader_heartbeat_loop(self, term: int) -> None:
        """Leaders: upon election, send AppendEntries to each server; repeat during idle periods to prevent election
        timeouts, every HEARTBEAT_INTERVAL, and at once when there is something new to send (start() or a new
        commit index). Waking once for many start()s batches their entries into one RPC per follower."""
        while not self.dead and self.role is Role.LEADER and self.current_term == term:
            self._replicate_wakeup.clear()
            for peer in self._other_peers():
                self._leader_replicate_to(peer)
            try:
                await asyncio.wait_for(self._replicate_wakeup.wait(), self.HEARTBEAT_INTERVAL)
            except asyncio.TimeoutError:
                pass

    def _leader_replicate_to(self, peer: int) -> None:
        """If last log index >= nextIndex for a follower, send AppendEntries with log entries starting at nextIndex
        (none: a heartbeat). A follower whose nextIndex is inside our snapshot gets the snapshot instead. A follower
        that did not answer the last request gets empty heartbeats until it answers again: resending the whole
        missing tail to a crashed or cut-off peer at every heartbeat and every start() wastes the network."""
        if self.next_index[peer] <= self.log.snapshot_index:
            self._leader_send_snapshot(peer)
            return
        prev = self.next_index[peer] - 1
        entries = self.log.entries_from(prev + 1) if self.peer_answers[peer] else []
        args = AppendEntriesArgs(term=self.current_term, leader_id=self.me, prev_log_index=prev,
                                 prev_log_term=self.log.term_at(prev), entries=entries,
                                 leader_commit=self.commit_index)
        self._spawn(self._send_append_entries(peer, args))

    async def _send_append_entries(self, peer: int, args: AppendEntriesArgs) -> None:
        reply = await self.peers[peer].call("Raft.append_entries", args)
        self.peer_answers[peer] = reply is not None
        if reply is None or self._reply_is_stale(args.term, reply.term, Role.LEADER):
            return
        if reply.success:
            self._leader_on_append_entries_success(peer, args)
            if not args.entries and self.next_index[peer] <= self.log.last_index:
                self._leader_replicate_to(peer)  # it answers again: send what it misses now
            return
        before = self.next_index[peer]
        self._leader_back_up_next_index(peer, args, reply)
        if self.next_index[peer] < before:
            self._leader_replicate_to(peer)  # retry at once: backing up costs one round trip per term

    def _leader_on_append_entries_success(self, peer: int, args: AppendEntriesArgs) -> None:
        """If successful: update nextIndex and matchIndex for the follower, from what this request carried
        (prevLogIndex + len(entries)), not from our log, which may have grown since; never move them back, since
        replies can arrive out of order."""
        match = args.prev_log_index + len(args.entries)
        self.match_index[peer] = max(self.match_index[peer], match)
        self.next_index[peer] = max(self.next_index[peer], match + 1)
        self._leader_advance_commit_index()

    def _leader_back_up_next_index(self, peer: int, args: AppendEntriesArgs, reply: AppendEntriesReply) -> None:
        """If AppendEntries fails because of log inconsistency: decrement nextIndex and retry, fast: past the
        follower's log end (XLen) if it is too short; past the whole conflicting term otherwise, to just after our
        last entry of XTerm if we have that term, else to the follower's first entry of XTerm (XIndex). Never below
        what the follower is known to hold."""
        if reply.x_term == -1:
            next_index = reply.x_len
        else:
            last_of_term = self.log.last_index_of_term(reply.x_term)
            next_index = reply.x_index if last_of_term is None else last_of_term + 1
        self.next_index[peer] = max(min(next_index, self.next_index[peer]), self.match_index[peer] + 1)
        labrpc.dlog("APPEND", "S%d rejected prev %d: next index %d", peer, args.prev_log_index,
                    self.next_index[peer])

    def _leader_advance_commit_index(self) -> None:
        """If there exists an N > commitIndex such that a majority of matchIndex[i] >= N and log[N].term ==
        currentTerm: set commitIndex = N. The term condition is Figure 8's lesson: an entry of an earlier term is
        committed only indirectly, by committing a later entry of the current term."""
        for n in range(self.log.last_index, self.commit_index, -1):
            if self.log.term_at(n) != self.current_term:
                return  # terms only decrease going back: no current-term entry below
            if self._replicated_on_majority(n):
                self._leader_commit(n)
                return

    def _replicated_on_majority(self, index: int) -> bool:
        return self._is_majority(1 + sum(1 for p in self._other_peers() if self.match_index[p] >= index))

    def _leader_commit(self, index: int) -> None:
        self.commit_index = index
        labrpc.dlog("COMMIT", "commit index %d (leader, term %d)", index, self.current_term)
        self._apply_wakeup.set()
        self._replicate_wakeup.set()  # tell the followers now rather than at the next heartbeat
