"""Mutant: on a successful AppendEntries reply the leader sets matchIndex to its own last log index, not to
prevLogIndex + len(entries) of the request acknowledged: entries appended since (or never sent, after a heartbeat)
count as held by the follower."""
from raft import Raft


class MatchFromLogLength(Raft):
    def _leader_on_append_entries_success(self, peer, args):
        self.match_index[peer] = self.log.last_index
        self.next_index[peer] = self.log.last_index + 1
        self._leader_advance_commit_index()


make = MatchFromLogLength.make
