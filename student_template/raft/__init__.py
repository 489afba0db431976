"""Your Raft (lab 2). The tester and your kvraft use exactly this API:

make(peers, me, persister, apply_ch) -> Raft       create a peer (Go Make); must return at once
Raft.get_state() -> (term, is_leader)
Raft.start(command) -> (index, term, is_leader)
Raft.snapshot(index, snapshot: bytes)              (2D)
Raft.kill()
Raft.request_vote / append_entries / install_snapshot(args) -> reply     your RPC handlers
RequestVoteArgs/Reply, AppendEntriesArgs/Reply, InstallSnapshotArgs/Reply  your RPC types (rpc_types.py)

Write raft.py and rpc_types.py; add files of your own if you like (import them relatively: `from .log import Log`).
"""
from .raft import Raft, make
from .rpc_types import (AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs, InstallSnapshotReply,
                        RequestVoteArgs, RequestVoteReply)

__all__ = ["make", "Raft", "RequestVoteArgs", "RequestVoteReply", "AppendEntriesArgs", "AppendEntriesReply",
           "InstallSnapshotArgs", "InstallSnapshotReply"]
