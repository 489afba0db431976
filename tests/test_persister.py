"""Persister semantics (spec §3, crash semantics of §4.2) and ApplyMsg."""

import pytest

from labrpc import ApplyMsg, Persister, decode, encode


def test_save_stores_both_at_once_and_reads_them_back():
    p = Persister()
    assert p.read_raft_state() == b"" and p.read_snapshot() == b"" and p.raft_state_size() == 0
    p.save(encode({"term": 3}), b"snap")
    assert decode(p.read_raft_state()) == {"term": 3} and p.read_snapshot() == b"snap"
    assert p.raft_state_size() == len(encode({"term": 3})) and p.snapshot_size() == 4


def test_none_snapshot_stores_no_snapshot_like_gos_nil():
    # TestSnapshotInit2D depends on this: a Raft that forgets its snapshot after a restart loses it here.
    p = Persister()
    p.save(b"s1", b"snap")
    p.save(b"s2", None)
    assert p.read_snapshot() == b"" and p.snapshot_size() == 0


def test_copy_is_independent_so_a_crashed_peer_writes_into_an_orphan():
    saved = Persister()
    saved.save(b"before-crash", b"snap")
    orphan, saved = saved, saved.copy()          # what crash1 does
    orphan.save(b"written-by-the-dead-peer", b"")
    assert saved.read_raft_state() == b"before-crash" and saved.read_snapshot() == b"snap"


def test_save_rejects_non_bytes_with_advice():
    with pytest.raises(TypeError, match=r"raft_state must be bytes, not dict.*labrpc.encode"):
        Persister().save({"term": 1}, None)


def test_stored_state_is_a_copy_of_a_mutable_buffer():
    buf = bytearray(b"abc")
    p = Persister()
    p.save(buf, buf)
    buf[0] = ord("z")
    assert p.read_raft_state() == b"abc" and p.read_snapshot() == b"abc"


def test_apply_msg_defaults_and_round_trip():
    m = ApplyMsg(command_valid=True, command=("put", 1), command_index=7)
    assert (m.snapshot_valid, m.snapshot, m.snapshot_index) == (False, b"", 0)
    assert decode(encode(m)) == m
