"""A plain student Raft: what the template's docstrings lead to, the way a Go student writes it.

make(peers, me, persister, apply_ch) -> Raft     create a peer and start its ticker, applier and replicators
Raft.get_state() -> (term, is_leader)
Raft.start(command) -> (index, term, is_leader)
Raft.snapshot(index, data)                       the service snapshotted through index: trim the log
Raft.kill()
Raft.request_vote / append_entries / install_snapshot(args) -> reply     the RPC handlers

Deliberately plain, because it is a benchmark subject (benchmarks/subjects/README.md): every change persists the
whole state with labrpc.encode([term, voted_for, log, ...]); log entries are LogEntry dataclass instances; each
follower has a replicator task that sends it AppendEntries (with everything it lacks) on every heartbeat and
every start(). It is correct: tests/test_naive_subject.py runs lab 2 on it.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import labrpc
from labrpc import ApplyMsg

FOLLOWER, CANDIDATE, LEADER = "follower", "candidate", "leader"
HEARTBEAT = 0.1                 # at most 10 AppendEntries rounds per second, as the lab asks
ELECTION_TIMEOUT = (0.4, 0.7)   # longer than the paper's, because heartbeats are slower
TICK = 0.03                     # how often the ticker looks at the clock


@dataclass
class LogEntry:
    """One log entry, as a student writes it: a small object (the codec encodes it as a plain object)."""
    term: int
    command: object = None


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
    entries: list = field(default_factory=list)
    leader_commit: int = 0


@dataclass
class AppendEntriesReply:
    term: int
    success: bool = False
    x_term: int = -1      # the follower's term at prev_log_index (-1: it has no entry there)
    x_index: int = 0      # the first index of x_term in the follower's log
    x_len: int = 0        # the follower's last index + 1


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


class Raft:
    """One peer. Indices are Raft's (the first entry has index 1); log[0] stands for the snapshot's last entry."""

    def __init__(self, peers, me, persister, apply_ch):
        self.peers, self.me, self.persister, self.apply_ch = peers, me, persister, apply_ch
        self.dead = False
        self.current_term = 0
        self.voted_for = None
        # log[0] stands for the last entry in the snapshot (index last_included_index, its term)
        self.log = [LogEntry(0)]
        self.last_included_index = 0
        self.snapshot_data = b""
        self.commit_index = 0
        self.last_applied = 0
        self.state = FOLLOWER
        self.next_index = [1] * len(peers)
        self.match_index = [0] * len(peers)
        self.last_heard = 0.0
        self.election_timeout = 0.0
        self.apply_cond = asyncio.Event()
        self.triggers = [asyncio.Event() for _ in peers]
        self.tasks = []

    # ---- helpers on the log (indices are Raft's, the log list is offset by the snapshot) ----

    def last_index(self):
        return self.last_included_index + len(self.log) - 1

    def term_at(self, index):
        return self.log[index - self.last_included_index].term

    def entry(self, index):
        return self.log[index - self.last_included_index]

    def now(self):
        return asyncio.get_running_loop().time()

    def reset_timer(self):
        self.last_heard = self.now()
        self.election_timeout = random.uniform(*ELECTION_TIMEOUT)

    # ---- persistence ----

    def persist(self):
        state = labrpc.encode([self.current_term, self.voted_for, self.log, self.last_included_index])
        self.persister.save(state, self.snapshot_data)

    def read_persist(self, data):
        if not data:
            return
        self.current_term, self.voted_for, self.log, self.last_included_index = labrpc.decode(data)
        self.snapshot_data = self.persister.read_snapshot()
        self.commit_index = self.last_applied = self.last_included_index

    # ---- the service's API ----

    def get_state(self):
        return self.current_term, self.state == LEADER

    def start(self, command):
        if self.dead or self.state != LEADER:
            return -1, self.current_term, False
        self.log.append(LogEntry(self.current_term, command))
        self.persist()
        self.match_index[self.me] = self.last_index()
        self.advance_commit()
        for trigger in self.triggers:
            trigger.set()
        return self.last_index(), self.current_term, True

    def kill(self):
        self.dead = True
        for task in self.tasks:
            task.cancel()

    def snapshot(self, index, data):
        if index <= self.last_included_index or index > self.commit_index:
            return
        self.log = [LogEntry(self.term_at(index))] + self.log[index - self.last_included_index + 1:]
        self.last_included_index = index
        self.snapshot_data = data
        self.persist()

    # ---- terms and elections ----

    def become_follower(self, term):
        self.current_term = term
        self.voted_for = None
        self.state = FOLLOWER
        self.persist()

    async def ticker(self):
        while not self.dead:
            if self.state != LEADER and self.now() - self.last_heard >= self.election_timeout:
                self.start_election()
            await asyncio.sleep(TICK)

    def start_election(self):
        self.state = CANDIDATE
        self.current_term += 1
        self.voted_for = self.me
        self.persist()
        self.reset_timer()
        args = RequestVoteArgs(self.current_term, self.me, self.last_index(), self.term_at(self.last_index()))
        votes = [1]
        for peer in range(len(self.peers)):
            if peer != self.me:
                self.spawn(self.ask_vote(peer, args, votes))

    async def ask_vote(self, peer, args, votes):
        reply = await self.peers[peer].call("Raft.request_vote", args)
        if reply is None:
            return
        if reply.term > self.current_term:
            self.become_follower(reply.term)
            return
        if self.state != CANDIDATE or self.current_term != args.term or not reply.vote_granted:
            return
        votes[0] += 1
        if votes[0] * 2 > len(self.peers):
            self.become_leader()

    def become_leader(self):
        self.state = LEADER
        self.next_index = [self.last_index() + 1] * len(self.peers)
        self.match_index = [0] * len(self.peers)
        self.match_index[self.me] = self.last_index()
        for trigger in self.triggers:
            trigger.set()

    def request_vote(self, args):
        if args.term > self.current_term:
            self.become_follower(args.term)
        reply = RequestVoteReply(self.current_term)
        if args.term < self.current_term:
            return reply
        my_last_term = self.term_at(self.last_index())
        up_to_date = (args.last_log_term > my_last_term
                      or args.last_log_term == my_last_term and args.last_log_index >= self.last_index())
        if self.voted_for in (None, args.candidate_id) and up_to_date:
            self.voted_for = args.candidate_id
            self.persist()
            self.reset_timer()
            reply.vote_granted = True
        return reply

    # ---- replication: one replicator per follower ----

    async def replicator(self, peer):
        trigger = self.triggers[peer]
        while not self.dead:
            if self.state == LEADER:
                self.send_to(peer)
            trigger.clear()
            try:
                await asyncio.wait_for(trigger.wait(), HEARTBEAT)
            except asyncio.TimeoutError:
                pass

    def send_to(self, peer):
        if self.next_index[peer] <= self.last_included_index:
            args = InstallSnapshotArgs(self.current_term, self.me, self.last_included_index, self.log[0].term,
                                       self.snapshot_data)
            self.spawn(self.send_snapshot(peer, args))
            return
        prev = self.next_index[peer] - 1
        args = AppendEntriesArgs(self.current_term, self.me, prev, self.term_at(prev),
                                 self.log[prev + 1 - self.last_included_index:], self.commit_index)
        self.spawn(self.send_append(peer, args))

    async def send_append(self, peer, args):
        reply = await self.peers[peer].call("Raft.append_entries", args)
        if reply is None:
            return
        if reply.term > self.current_term:
            self.become_follower(reply.term)
            return
        if self.state != LEADER or self.current_term != args.term:
            return
        if reply.success:
            match = args.prev_log_index + len(args.entries)
            self.match_index[peer] = max(self.match_index[peer], match)
            self.next_index[peer] = max(self.next_index[peer], match + 1)
            self.advance_commit()
            return
        if reply.x_term == -1:
            next_index = reply.x_len
        else:
            next_index = reply.x_index
            for index in range(self.last_index(), self.last_included_index, -1):
                if self.term_at(index) == reply.x_term:
                    next_index = index + 1
                    break
        self.next_index[peer] = max(1, self.match_index[peer] + 1, min(next_index, self.next_index[peer]))
        self.triggers[peer].set()

    async def send_snapshot(self, peer, args):
        reply = await self.peers[peer].call("Raft.install_snapshot", args)
        if reply is None:
            return
        if reply.term > self.current_term:
            self.become_follower(reply.term)
            return
        if self.state != LEADER or self.current_term != args.term:
            return
        self.match_index[peer] = max(self.match_index[peer], args.last_included_index)
        self.next_index[peer] = max(self.next_index[peer], args.last_included_index + 1)
        self.triggers[peer].set()

    def advance_commit(self):
        for n in range(self.last_index(), self.commit_index, -1):
            if self.term_at(n) != self.current_term:
                break
            if sum(1 for m in self.match_index if m >= n) * 2 > len(self.peers):
                self.commit_index = n
                self.apply_cond.set()
                for trigger in self.triggers:
                    trigger.set()
                break

    def append_entries(self, args):
        if args.term > self.current_term:
            self.become_follower(args.term)
        reply = AppendEntriesReply(self.current_term)
        if args.term < self.current_term:
            return reply
        self.state = FOLLOWER
        self.reset_timer()
        reply.x_len = self.last_index() + 1
        if args.prev_log_index > self.last_index():
            return reply
        if args.prev_log_index >= self.last_included_index:
            term = self.term_at(args.prev_log_index)
            if term != args.prev_log_term:
                reply.x_term = term
                index = args.prev_log_index
                while index > self.last_included_index + 1 and self.term_at(index - 1) == term:
                    index -= 1
                reply.x_index = index
                return reply
        changed = False
        for i, entry in enumerate(args.entries):
            index = args.prev_log_index + 1 + i
            if index <= self.last_included_index:
                continue
            if index <= self.last_index():
                if self.term_at(index) == entry.term:
                    continue
                del self.log[index - self.last_included_index:]
            self.log.extend(args.entries[i:])
            changed = True
            break
        if changed:
            self.persist()
        commit = min(args.leader_commit, args.prev_log_index + len(args.entries))
        if commit > self.commit_index:
            self.commit_index = commit
            self.apply_cond.set()
        reply.success = True
        return reply

    def install_snapshot(self, args):
        if args.term > self.current_term:
            self.become_follower(args.term)
        reply = InstallSnapshotReply(self.current_term)
        if args.term < self.current_term:
            return reply
        self.state = FOLLOWER
        self.reset_timer()
        index = args.last_included_index
        if index <= self.commit_index:
            return reply
        if index <= self.last_index() and self.term_at(index) == args.last_included_term:
            self.log = [LogEntry(args.last_included_term)] + self.log[index - self.last_included_index + 1:]
        else:
            self.log = [LogEntry(args.last_included_term)]
        self.last_included_index = index
        self.snapshot_data = args.data
        self.commit_index = index
        self.persist()
        self.apply_cond.set()
        return reply

    # ---- applying committed entries ----

    async def applier(self):
        while not self.dead:
            if self.last_applied < self.last_included_index:
                msg = ApplyMsg(snapshot_valid=True, snapshot=self.snapshot_data,
                               snapshot_term=self.log[0].term, snapshot_index=self.last_included_index)
                await self.apply_ch.put(msg)
                self.last_applied = max(self.last_applied, msg.snapshot_index)
            elif self.last_applied < self.commit_index:
                index = self.last_applied + 1
                await self.apply_ch.put(ApplyMsg(command_valid=True, command=self.entry(index).command,
                                                 command_index=index))
                self.last_applied = max(self.last_applied, index)
            else:
                self.apply_cond.clear()
                await self.apply_cond.wait()

    def spawn(self, coro):
        task = asyncio.create_task(coro)
        self.tasks.append(task)
        task.add_done_callback(self.tasks.remove)


def make(peers, me, persister, apply_ch):
    """Create a peer, restore what it persisted, and start its ticker, applier and one replicator per follower."""
    rf = Raft(peers, me, persister, apply_ch)
    rf.read_persist(persister.read_raft_state())
    rf.reset_timer()
    rf.spawn(rf.ticker())
    rf.spawn(rf.applier())
    for peer in range(len(peers)):
        if peer != me:
            rf.spawn(rf.replicator(peer))
    return rf
