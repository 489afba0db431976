"""Mutant: on a rejected AppendEntries the leader backs nextIndex up by one entry only (no XTerm/XIndex/XLen)."""
from raft import Raft


class SlowBackup(Raft):
    def _leader_back_up_next_index(self, peer, args, reply):
        self.next_index[peer] = max(min(args.prev_log_index, self.next_index[peer]), self.match_index[peer] + 1)


make = SlowBackup.make
