"""Mutant: grants votes without the election restriction (§5.4.1), so a candidate with a stale log can win."""
from raft import Raft


class VoteWithoutUpToDateCheck(Raft):
    def _candidate_log_is_up_to_date(self, args):
        return True


make = VoteWithoutUpToDateCheck.make
