"""A Raft peer: the skeleton of lab 2. Fill in every TODO.

make(peers, me, persister, apply_ch) -> Raft      create a peer; starts its background tasks and returns at once
Raft.get_state() -> (term, is_leader)             this peer's current term, and whether it believes it leads
Raft.start(command) -> (index, term, is_leader)   start agreement on a new log entry; returns at once
Raft.snapshot(index, snapshot)                    the service has a snapshot through index: trim the log (2D)
Raft.kill()                                       the tester is done with this peer
Raft.request_vote(args) -> RequestVoteReply       RPC handler ("Raft.request_vote"); add append_entries (2A/2B)
                                                  and install_snapshot (2D) the same way

How it runs. Everything (every peer, the network, the tester) runs as asyncio tasks on one event loop, usually
on a virtual clock: time jumps ahead whenever no task is ready, so use `await asyncio.sleep(...)` and
`asyncio.get_running_loop().time()` (or labrpc.now()), never time.sleep() or time.time(), and never threads.
Only one task runs at a time, so you need no locks; but another task may run, and change your state, at every
`await`. After an await, check again what you rely on (are you still leader? in the same term?).

Each time a peer learns that a new log entry is committed, it sends an ApplyMsg(command_valid=True,
command=..., command_index=...) on apply_ch, in log order. In 2D it also sends snapshots on apply_ch
(ApplyMsg(snapshot_valid=True, snapshot=..., snapshot_term=..., snapshot_index=...)). apply_ch is an
asyncio.Queue(maxsize=1) read by the tester, which may call snapshot() right after reading a message: never make
snapshot() wait for something that only happens after your next apply_ch.put().

Debugging: labrpc.dlog("VOTE", "granted vote to S%d", candidate) prints a line stamped with the virtual time and
the peer when logs are on (`raftlab replay TestX --seed N --impl . --topics VOTE`); a seed replays its run exactly.
"""
from __future__ import annotations

import asyncio
import random

import labrpc
from labrpc import ApplyMsg  # noqa: F401  (you will send these on apply_ch)

from .rpc_types import RequestVoteArgs, RequestVoteReply


class Raft:
    def __init__(self, peers, me: int, persister, apply_ch: asyncio.Queue):
        self.peers = peers          # ClientEnds of all peers, this one included; send with peers[i].call(...)
        self.me = me                # this peer's index into peers
        self.persister = persister  # where this peer saves its persistent state (and, in 2D, its snapshot)
        self.apply_ch = apply_ch    # where committed entries go, in order
        self.dead = False           # set by kill()
        # TODO (2A, 2B, 2C): the state Figure 2 of the paper says every server keeps.

    def get_state(self) -> tuple[int, bool]:
        """Return (current term, whether this peer believes it is the leader)."""
        # TODO (2A)
        return 0, False

    def persist(self) -> None:
        """Save the state that must survive a crash (Figure 2 says which) to the persister.

        Turn it into bytes with the lab codec, for example
            state = labrpc.encode([self.current_term, self.voted_for, self.log])
            self.persister.save(state, None)
        Until you have snapshots (2D) pass None as the snapshot; from then on, always pass the current snapshot
        (or None if there is none yet): save() replaces both, so passing None would erase it.
        """
        # TODO (2C)

    def read_persist(self, data: bytes) -> None:
        """Restore the state saved by persist(); data is b"" when the peer starts for the first time.

        For example: self.current_term, self.voted_for, self.log = labrpc.decode(data)
        """
        if not data:
            return
        # TODO (2C)

    def snapshot(self, index: int, snapshot: bytes) -> None:
        """The service has made a snapshot holding everything up to and including index: it no longer needs the
        log through index. Trim the log as much as possible, and persist the snapshot with your state."""
        # TODO (2D)

    def request_vote(self, args: RequestVoteArgs) -> RequestVoteReply:
        """RequestVote RPC handler: return the reply (a handler may also be `async def`)."""
        # TODO (2A, 2B)
        raise NotImplementedError("Raft.request_vote: write the RequestVote handler (2A)")

    def append_entries(self, args):
        """AppendEntries RPC handler, the same way: heartbeats (2A), then log entries (2B). Use your own
        AppendEntriesArgs / AppendEntriesReply from rpc_types.py."""
        # TODO (2A, 2B)
        raise NotImplementedError("Raft.append_entries: write the AppendEntries handler (2A)")

    def install_snapshot(self, args):
        """InstallSnapshot RPC handler (2D, Figure 13)."""
        # TODO (2D)
        raise NotImplementedError("Raft.install_snapshot: write the InstallSnapshot handler (2D)")

    async def send_request_vote(self, server: int, args: RequestVoteArgs) -> RequestVoteReply | None:
        """A worked example: send a RequestVote RPC to peers[server] and return its reply.

        `call` takes the handler's name ("Raft.<method name>") and the args; args and reply are copied through
        the lab codec. The simulated network loses requests and replies, and servers may be down or cut off, so
        `call` returns None when no reply came back. It always returns eventually, though it may take a while
        (up to 7 virtual seconds for an unreachable peer): no need for timeouts of your own. Because of that
        delay, never await an RPC where it would hold up your timers or other peers: send each RPC from a task
        of its own, e.g. asyncio.create_task(self.send_request_vote(i, args)), and handle the reply there.
        After the await, your term and role may have changed: check before you use the reply.
        """
        return await self.peers[server].call("Raft.request_vote", args)

    def start(self, command) -> tuple[int, int, bool]:
        """The service (a k/v server, or the tester) asks to agree on command. If this peer is not the leader,
        return (-1, term, False). Otherwise append it and start replicating it, and return at once (do not wait
        for the agreement, which may never happen if this leader loses its position) with (index the command will
        have if it is ever committed, current term, True)."""
        # TODO (2B)
        return -1, -1, False

    def kill(self) -> None:
        """The tester is done with this peer (it also cancels the peer's tasks). Loops should check self.dead and
        stop, so that a killed peer stays quiet."""
        self.dead = True

    async def ticker(self) -> None:
        """Starts elections: if this peer has heard no heartbeat for an election timeout, it becomes a candidate.
        The timeout must be random (so that peers rarely time out together) and longer than the paper's 150-300 ms,
        since the leader sends at most 10 heartbeats per second; a new leader must still be elected within 5 s."""
        while not self.dead:
            # TODO (2A): check whether an election should be started.
            await asyncio.sleep(0.05 + random.random() * 0.3)


def make(peers, me: int, persister, apply_ch: asyncio.Queue) -> Raft:
    """Create a peer. peers[me] is this peer's own end; every peer's list has the same order. persister holds
    the state saved before a crash (if any); apply_ch is where committed commands go. Must return at once:
    start long-running work as tasks (asyncio.create_task(...): they belong to this peer, and are cancelled
    when the tester crashes it)."""
    rf = Raft(peers, me, persister, apply_ch)
    # TODO (2A, 2B, 2C): initialize your state here.
    rf.read_persist(persister.read_raft_state())
    rf.ticker_task = asyncio.create_task(rf.ticker())  # keep a reference: asyncio holds tasks only weakly
    return rf
