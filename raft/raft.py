"""The reference Raft peer: state, public API, timers, the applier and persistence (Figure 2 of the Raft paper).

make(peers, me, persister, apply_ch) -> Raft    create a peer and start its tasks (Go Make); returns at once
Raft.make(peers, me, persister, apply_ch)        the same, as a classmethod, so that a subclass makes itself
Raft.get_state() -> (term, is_leader)
Raft.start(command) -> (index, term, is_leader)  append command if leader and start replicating it at once
Raft.snapshot(index, snapshot)                   the service snapshotted through index: trim the log (snapshots.py)
Raft.kill()                                      stop every task of this peer
Raft.request_vote / append_entries / install_snapshot(args) -> reply    RPC handlers (election.py, replication.py,
                                                                        snapshots.py)

The peer runs on one asyncio loop: no locks are needed, but any state may change across an `await`, so code that
awaits re-checks what it relies on afterwards. RPCs are sent from their own tasks, so a slow or unreachable peer
never holds up the timers. Each rule of Figure 2 is one method named after it; a variant (see tests/mutants/)
changes a rule by overriding that one method.
"""
from __future__ import annotations

import asyncio
import random

import labrpc
from labrpc import ApplyMsg

from .election import Election
from .log import Log
from .replication import Replication
from .role import Role
from .snapshots import Snapshots


class Raft(Election, Replication, Snapshots):
    # The lab allows at most 10 heartbeats per second (TestCount2B: <= 60 RPCs per idle second over 3 peers).
    HEARTBEAT_INTERVAL = 0.1
    # Larger than the paper's 150-300 ms because heartbeats are slower; still leaves many rounds inside the
    # tester's 5 s election bound, and the spread makes split votes rare.
    ELECTION_TIMEOUT = (0.4, 0.8)

    @classmethod
    def make(cls, peers, me: int, persister, apply_ch: asyncio.Queue) -> "Raft":
        rf = cls(peers, me, persister, apply_ch)
        rf._spawn(rf._ticker())
        rf._spawn(rf._applier())
        return rf

    def __init__(self, peers, me: int, persister, apply_ch: asyncio.Queue):
        self.peers, self.me, self.persister, self.apply_ch = peers, me, persister, apply_ch
        self.dead = False
        # Persistent state on all servers, saved by _persist() before replying to an RPC or acting on a change.
        self.current_term = 0
        self.voted_for: int | None = None
        self.log = Log()
        self.snapshot_data = b""  # the service's snapshot of log[1..log.snapshot_index], saved with the state
        # Volatile state on all servers.
        self.commit_index = 0
        self.last_applied = 0
        self.role = Role.FOLLOWER
        self.election_deadline = 0.0
        # Volatile state on leaders, reinitialized after election.
        self.next_index = [1] * len(peers)
        self.match_index = [0] * len(peers)
        self.peer_answers = [True] * len(peers)  # did the last AppendEntries to each peer get a reply?
        # Wake-ups: the applier waits for a new commit index; the leader's loop for something new to send.
        self._apply_wakeup = asyncio.Event()
        self._replicate_wakeup = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._restore()
        self._reset_election_timer()

    # ---- the service's API ----

    def get_state(self) -> tuple[int, bool]:
        return self.current_term, self.role is Role.LEADER

    def start(self, command) -> tuple[int, int, bool]:
        """Leaders: if command received from client, append entry to local log. Replication starts at once
        (the leader's loop wakes up), so commands started together travel in one AppendEntries."""
        if self.dead or self.role is not Role.LEADER:
            return -1, self.current_term, False
        self.log.append([(self.current_term, command)])
        self._persist()
        labrpc.dlog("LEAD", "start %r at index %d term %d", command, self.log.last_index, self.current_term)
        self._leader_advance_commit_index()  # a one-peer cluster commits at once
        self._replicate_wakeup.set()
        return self.log.last_index, self.current_term, True

    def kill(self) -> None:
        self.dead = True
        for task in list(self._tasks):
            task.cancel()

    # ---- Rules for all servers ----

    def _rule_all_servers_step_down_on_higher_term(self, term: int) -> bool:
        """If an RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower.
        The vote is per term, so a new term starts with votedFor = null."""
        if term <= self.current_term:
            return False
        labrpc.dlog("TERM", "term %d -> %d, %s -> follower", self.current_term, term, self.role.value)
        self.current_term, self.voted_for, self.role = term, None, Role.FOLLOWER
        self._persist()
        return True

    def _reply_is_stale(self, sent_term: int, reply_term: int, role: Role) -> bool:
        """A reply counts only in the term, and role, its request was sent in: replies arrive late, duplicated and
        reordered (term confusion). A reply carrying a higher term makes us step down first."""
        self._rule_all_servers_step_down_on_higher_term(reply_term)
        return self.current_term != sent_term or self.role is not role

    def _next_apply_msg(self) -> ApplyMsg | None:
        """If commitIndex > lastApplied: apply log[lastApplied + 1]. A snapshot newer than what the service has
        (installed by the leader) goes first: it replaces every entry up to its index."""
        if self.last_applied < self.log.snapshot_index:
            return ApplyMsg(snapshot_valid=True, snapshot=self.snapshot_data, snapshot_term=self.log.snapshot_term,
                            snapshot_index=self.log.snapshot_index)
        if self.last_applied < self.commit_index:
            index = self.last_applied + 1
            return ApplyMsg(command_valid=True, command=self.log.command_at(index), command_index=index)
        return None

    async def _applier(self) -> None:
        """The one task that sends on apply_ch, strictly in order. apply_ch holds one message and its reader may call
        snapshot() (or a leader may install a snapshot) while put() waits, so the next message is chosen afresh
        after every await, from nothing but last_applied."""
        while not self.dead:
            msg = self._next_apply_msg()
            if msg is None:
                self._apply_wakeup.clear()
                await self._apply_wakeup.wait()
                continue
            await self.apply_ch.put(msg)
            applied = msg.snapshot_index if msg.snapshot_valid else msg.command_index
            labrpc.dlog("APPLY", "applied %s %d", "snapshot" if msg.snapshot_valid else "index", applied)
            self.last_applied = max(self.last_applied, applied)

    # ---- Rules for followers and candidates: the election timer ----

    def _election_timeout(self) -> float:
        return random.uniform(*self.ELECTION_TIMEOUT)

    def _reset_election_timer(self) -> None:
        self.election_deadline = self._now() + self._election_timeout()

    def _rule_followers_start_election_on_timeout(self) -> None:
        """Followers (and candidates): if the election timeout elapses without hearing from the current leader or
        granting a vote, (re)start an election. A leader does not time out."""
        if self.role is Role.LEADER:
            self._reset_election_timer()
        else:
            labrpc.dlog("TIMER", "election timeout in term %d as %s", self.current_term, self.role.value)
            self._candidate_start_election()

    async def _ticker(self) -> None:
        """Sleeps until the election deadline; resets move the deadline, so it looks again on waking."""
        while not self.dead:
            delay = self.election_deadline - self._now()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self._rule_followers_start_election_on_timeout()

    # ---- Persistence ----

    def _persistent_state(self) -> list:
        return [self.current_term, self.voted_for, self.log.snapshot_index, self.log.snapshot_term,
                self.log.encoded()]

    def _persist(self) -> None:
        """Save currentTerm, votedFor and the log, always together with the current snapshot (saving None would
        erase it: TestSnapshotInit2D)."""
        self.persister.save(labrpc.encode(self._persistent_state()), self.snapshot_data)

    def _read_persisted_snapshot(self) -> bytes:
        return self.persister.read_snapshot()

    def _restore(self) -> None:
        """Make: reload what was persisted before a crash. The service already holds the persisted snapshot, so
        commitIndex and lastApplied start at its index and the applier never re-sends entries it covers."""
        data = self.persister.read_raft_state()
        if data:
            self.current_term, self.voted_for, snapshot_index, snapshot_term, encoded = labrpc.decode(data)
            self.log = Log.from_encoded(snapshot_index, snapshot_term, encoded)
        self.snapshot_data = self._read_persisted_snapshot()
        self.commit_index = self.last_applied = self.log.snapshot_index
        labrpc.dlog("PERSIST", "restored term %d voted_for %s log (%d, %d]", self.current_term, self.voted_for,
                    self.log.snapshot_index, self.log.last_index)

    # ---- helpers ----

    def _other_peers(self) -> list[int]:
        return [p for p in range(len(self.peers)) if p != self.me]

    def _is_majority(self, count: int) -> bool:
        return count > len(self.peers) // 2

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _spawn(self, coro) -> None:
        """Run coro as a task of this peer (tasks inherit the peer that creates them); kill() cancels it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def make(peers, me: int, persister, apply_ch: asyncio.Queue) -> Raft:
    return Raft.make(peers, me, persister, apply_ch)
