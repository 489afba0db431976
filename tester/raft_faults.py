"""Finer faults and watches for the tests beyond Go's (part 2X), over the Raft harness (tester.raft_config).

    only_links(cfg, *pairs)                    cut every link, then join each pair (i, j) both ways; the peers named
                                               count as connected (the checks poll them)
    restart(cfg, *peers)                       crash1 + start1 each (a new incarnation, not connected)
    await tail_only_on(cfg, leader, holder, count, first_cmd=200, wait=1.0)   the others cut off, the leader starts
                                               count commands that only holder receives (two peers: none commits)
    await commit_without(cfg, away, cmds) -> index   away cut off, the rest connected, each of cmds committed among
                                               them (Go's one); the index of the last
    await leader_among(cfg, peers, within) -> (leader, term)   poll get_state every 50 ms until one of peers says it
                                               leads; fail after `within` virtual seconds
    await watch(cfg, peers, seconds)           poll get_state of peers every 50 ms for `seconds`: any two leaders of
                                               one term fail the test (tester.invariants)
    await keep_starting(cfg, peers, seconds, every=0.1)   every `every` seconds, start a new command on each of
                                               peers (when up), as a busy client would; a follower refuses it
    await until_committed(cfg, index, within) -> bool   poll n_committed every 1 ms: True once any peer applied index
    cfg.net.hold_replies(i, s), cfg.net.reorder_requests(i, yes)   (labrpc.network) stale replies, overtaking requests

The Go harness cuts a peer off from everyone or no one (connect/disconnect); these tests need a peer that hears one
leader but not another, or a reply that arrives after an election, to make a bug show on most seeds instead of a
few. Every fault here is one an asynchronous network may commit (Raft assumes nothing about delivery order or delay),
so a correct Raft passes whatever they do.
"""

from __future__ import annotations

import asyncio

import labrpc

from tester.raft_config import RAFT_ELECTION_TIMEOUT, Config, rand

POLL = 0.050   # seconds between get_state polls: 8 looks within the reference's shortest election timeout, 400 ms


def only_links(cfg: Config, *pairs: tuple[int, int]) -> None:
    """Cut every link between peers, then enable both directions between each pair (both must be started)."""
    for i in range(cfg.n):
        cfg.disconnect(i)
    for i, j in pairs:
        for a, b in ((i, j), (j, i)):
            if cfg.endnames[a] is None:
                raise ValueError(f"only_links: S{a} was never started")
            cfg.net.enable(cfg.endnames[a][b], True)
        cfg.connected[i] = cfg.connected[j] = True
    if cfg.timeline is not None:   # drawn as the groups of peers that can reach each other
        cfg.timeline.groups(_components(cfg.n, pairs))


def _components(n: int, pairs) -> list[list[int]]:
    """The peers 0..n-1 grouped by who can reach whom through the links of pairs (a peer alone is a group)."""
    group = list(range(n))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i
    for i, j in pairs:
        group[root(i)] = root(j)
    found: dict[int, list[int]] = {}
    for i in range(n):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


def restart(cfg: Config, *peers: int) -> None:
    """Crash and start each peer again, keeping its persisted state; not connected (use only_links or connect)."""
    for i in peers:
        cfg.crash1(i)
        cfg.start1(i, cfg.applier)


async def tail_only_on(cfg: Config, leader: int, holder: int, count: int, first_cmd: int = 200,
                       wait: float = RAFT_ELECTION_TIMEOUT) -> None:
    """Cut every peer but leader and holder off; the leader starts `count` commands (first_cmd, first_cmd + 1, ...),
    which only holder can receive: with two peers connected nothing commits. Then wait `wait` seconds."""
    for i in range(cfg.n):
        if i not in (leader, holder):
            cfg.disconnect(i)
    for k in range(count):
        cfg.rafts[leader].start(first_cmd + k)
    await asyncio.sleep(wait)


async def commit_without(cfg: Config, away, cmds) -> int:
    """Cut the peers `away` off, connect all the others, and commit each of cmds among them (Go's one, retrying):
    entries of a new term at the indices the peers away may hold others at. The index of the last."""
    for i in away:
        cfg.disconnect(i)
    for i in range(cfg.n):
        if i not in away:
            cfg.connect(i)
    index = -1
    for cmd in cmds:
        index = await cfg.one(cmd, cfg.n - len(away), True)
    return index


async def leader_among(cfg: Config, peers, within: float) -> tuple[int, int]:
    """The first of peers to say it leads (and its term), polled every POLL seconds for at most `within`."""
    deadline = labrpc.now() + within
    while labrpc.now() < deadline:
        for i in peers:
            if cfg.rafts[i] is not None:
                term, is_leader = cfg.rafts[i].get_state()
                if is_leader:
                    return i, term
        await asyncio.sleep(POLL)
    cfg.t.fatalf(f"expected one leader among {', '.join(f'S{i}' for i in peers)} within {within:g} s, got none")


async def watch(cfg: Config, peers, seconds: float) -> None:
    """Ask each live peer of peers for its state every POLL seconds, for `seconds`: cfg.invariants sees each answer."""
    deadline = labrpc.now() + seconds
    while labrpc.now() < deadline:
        for i in peers:
            if cfg.rafts[i] is not None:
                cfg.rafts[i].get_state()
        await asyncio.sleep(POLL)


async def keep_starting(cfg: Config, peers, seconds: float, every: float = 0.1) -> None:
    """For `seconds`, every `every` seconds: start(rand.int()) on each of peers that is up (a peer that leads when it
    should not then has commands to replicate, and any damage it does reaches the appliers)."""
    deadline = labrpc.now() + seconds
    while labrpc.now() < deadline:
        for i in peers:
            if cfg.rafts[i] is not None:
                cfg.rafts[i].start(rand.int())
        await asyncio.sleep(every)


async def until_committed(cfg: Config, index: int, within: float) -> bool:
    """True as soon as some peer applied index (polled every 1 ms, so a test can act before the next round trip);
    False after `within` seconds."""
    deadline = labrpc.now() + within
    while labrpc.now() < deadline:
        if cfg.n_committed(index)[0] > 0:
            return True
        await asyncio.sleep(0.001)
    return False
