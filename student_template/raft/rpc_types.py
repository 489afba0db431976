"""The arguments and replies of your Raft RPCs. Figure 2 of the Raft paper lists the fields you need.

RequestVoteArgs, RequestVoteReply            (2A, 2B)
AppendEntriesArgs, AppendEntriesReply        (2A heartbeats, 2B log entries)
InstallSnapshotArgs, InstallSnapshotReply    (2D, Figure 13)

Every RPC argument and reply is copied through the lab codec (labrpc.encode / labrpc.decode): use dataclasses of
plain data (ints, strings, bytes, lists, other dataclasses), never a reference to your Raft object, a task or a
queue. The receiver gets a copy, so changing an args object after sending it changes nothing on the other side.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RequestVoteArgs:
    """What a candidate sends when it asks for a vote. TODO (2A, 2B): the fields of Figure 2."""


@dataclass
class RequestVoteReply:
    """TODO (2A): the fields of Figure 2."""


@dataclass
class AppendEntriesArgs:
    """TODO (2A, 2B): the fields of Figure 2."""


@dataclass
class AppendEntriesReply:
    """TODO (2A, 2B): the fields of Figure 2, plus whatever lets the leader back up quickly (2C)."""


@dataclass
class InstallSnapshotArgs:
    """TODO (2D): the fields of Figure 13 (you may send the whole snapshot in one RPC: no offset, no done)."""


@dataclass
class InstallSnapshotReply:
    """TODO (2D)."""
