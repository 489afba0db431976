"""Nondeterministic variant: the election timeout reads the wall clock, so two runs of one seed would part ways.
The student side refuses the call and fails the run, naming it (tests/test_runner_cli.py)."""

import time

from raft import Raft


class WallClockRaft(Raft):
    def _election_timeout(self) -> float:
        low, high = self.ELECTION_TIMEOUT
        return low + (time.time_ns() // 1000 % 1000) / 1000 * (high - low)


make = WallClockRaft.make
