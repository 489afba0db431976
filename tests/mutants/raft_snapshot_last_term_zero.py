"""Mutant: a voter whose log is empty after its snapshot takes its last log term as 0 (the dummy entry at the start
of a trimmed log keeps term 0), so any candidate with an entry looks at least as up-to-date."""
from raft import Raft


class SnapshotLastTermZero(Raft):
    def _candidate_log_is_up_to_date(self, args):
        my_last_term = 0 if self.log.last_index == self.log.snapshot_index else self.log.last_term
        if args.last_log_term != my_last_term:
            return args.last_log_term > my_last_term
        return args.last_log_index >= self.log.last_index


make = SnapshotLastTermZero.make
