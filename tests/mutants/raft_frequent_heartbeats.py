"""Mutant: heartbeats 50 times a second, above the lab's limit of 10."""
from raft import Raft


class FrequentHeartbeats(Raft):
    HEARTBEAT_INTERVAL = 0.02


make = FrequentHeartbeats.make
