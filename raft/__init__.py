"""The reference Raft (the course staff's solution), used to validate the tester. API, as in the Go lab:

make(peers, me, persister, apply_ch) -> Raft       create a peer (Go Make); returns at once, tasks run in background
Raft.get_state() -> (term, is_leader)
Raft.start(command) -> (index, term, is_leader)
Raft.snapshot(index, snapshot: bytes)
Raft.kill()
Raft.request_vote / append_entries / install_snapshot(args) -> reply     RPC handlers ("Raft.request_vote", ...)
RequestVoteArgs/Reply, AppendEntriesArgs/Reply, InstallSnapshotArgs/Reply    RPC types (rpc_types.py); a log
                                                       entry is a (term, command) tuple (LogEntry)

Files: raft.py (state, API, timers, applier, persistence), election.py, replication.py, snapshots.py (the RPCs and
the rules of Figure 2 / Figure 13, one method per rule), log.py (the log with a snapshot offset).
"""
from .raft import Raft, make
from .role import Role
from .rpc_types import (AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs, InstallSnapshotReply, LogEntry,
                        RequestVoteArgs, RequestVoteReply)

__all__ = ["make", "Raft", "Role", "LogEntry", "RequestVoteArgs", "RequestVoteReply", "AppendEntriesArgs",
           "AppendEntriesReply", "InstallSnapshotArgs", "InstallSnapshotReply"]
