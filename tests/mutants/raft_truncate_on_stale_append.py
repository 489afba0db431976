"""Mutant: a follower always truncates its log after prevLogIndex before appending, even when the entries match,
so an old, delayed AppendEntries drops entries it already acknowledged."""
from raft import Raft


class TruncateOnStaleAppend(Raft):
    def _follower_append_new_entries(self, args):
        start = max(args.prev_log_index + 1, self.log.snapshot_index + 1)
        if start <= self.log.last_index:
            self.log.truncate_from(start)
        self.log.append(args.entries[start - args.prev_log_index - 1:])
        self._persist()


make = TruncateOnStaleAppend.make
