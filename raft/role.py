"""Role(FOLLOWER | CANDIDATE | LEADER): what a Raft peer currently is."""
from enum import Enum


class Role(Enum):
    FOLLOWER = "follower"
    CANDIDATE = "candidate"
    LEADER = "leader"
