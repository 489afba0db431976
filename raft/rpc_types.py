"""RPC arguments and replies of the reference Raft (the boxes of Figure 2 and Figure 13 of the Raft paper).

LogEntry = tuple[int, Any]                                    one log entry: (term, command)
RequestVoteArgs(term, candidate_id, last_log_index, last_log_term)
RequestVoteReply(term, vote_granted)
AppendEntriesArgs(term, leader_id, prev_log_index, prev_log_term, entries, leader_commit)
AppendEntriesReply(term, success, x_term, x_index, x_len)     x_*: the fast log backup hints
InstallSnapshotArgs(term, leader_id, last_included_index, last_included_term, data)
InstallSnapshotReply(term)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# A plain (term, command) tuple rather than a dataclass: the codec copies plain tuples at C speed, and the whole
# log goes through it at every persist and every catch-up AppendEntries.
LogEntry = tuple[int, Any]


@dataclass
class RequestVoteArgs:
    term: int
    candidate_id: int
    last_log_index: int
    last_log_term: int


@dataclass
class RequestVoteReply:
    term: int
    vote_granted: bool = False


@dataclass
class AppendEntriesArgs:
    term: int
    leader_id: int
    prev_log_index: int
    prev_log_term: int
    entries: list[LogEntry] = field(default_factory=list)
    leader_commit: int = 0


@dataclass
class AppendEntriesReply:
    term: int
    success: bool = False
    # Fast backup (the 6.824 lecture's XTerm/XIndex/XLen), filled in when success is False:
    x_term: int = -1   # term of the follower's conflicting entry at prev_log_index, -1 if it has none there
    x_index: int = -1  # first index the follower holds for x_term
    x_len: int = 0     # the follower's last log index + 1 (its log length, counting the unused index 0)


@dataclass
class InstallSnapshotArgs:
    term: int
    leader_id: int
    last_included_index: int
    last_included_term: int
    data: bytes = b""


@dataclass
class InstallSnapshotReply:
    term: int
