"""A plain student Raft (benchmark subject): the template's API, written the obvious way.

make(peers, me, persister, apply_ch) -> Raft
Raft.get_state() / start(command) / snapshot(index, data) / kill()
Raft.request_vote / append_entries / install_snapshot(args) -> reply
"""
from .raft import LogEntry, Raft, make

__all__ = ["make", "Raft", "LogEntry"]
