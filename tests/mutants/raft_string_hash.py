"""Nondeterministic variant: the election timeout comes from the hash of a string, which changes with
PYTHONHASHSEED (as the order of a set of strings does), so two runs of one seed under different hash seeds part
ways. `raftlab test --check-determinism` must flag it (tests/test_runner_cli.py)."""

from raft import Raft


class StringHashRaft(Raft):
    def _election_timeout(self) -> float:
        low, high = self.ELECTION_TIMEOUT
        return low + (hash(f"S{self.me}") % 1000) / 1000 * (high - low)


make = StringHashRaft.make
