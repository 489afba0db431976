"""Safety invariants checked in every test, Go's and ours, from what the tester sees anyway.

    inv = Invariants()                     one per test (a harness Config makes it)
    inv.saw_state(peer, term, is_leader)   every get_state() the harness makes (RaftHandle.get_state reports it)
    inv.saw_apply(peer, index)             a command the tester's applier read from peer's apply_ch
    inv.saw_snapshot(peer, index)          a snapshot the applier installed (index: its last included index)
    Violation(TestFailure)                 raised at once, naming the peer, the virtual times and both observations

The Go tester checks agreement (the same command at an index everywhere) and order within Go's own rules; three
properties of Figure 3 of the Raft paper it leaves unchecked, although every observation they need passes through
the harness:
  * Election Safety: at most one leader per term, across every get_state() of the whole test, not only within one
    round of check_one_leader (a leader that a crash or partition hid is still a leader of its term);
  * applied indices increase: within one incarnation of a peer, the index applied never repeats and never goes
    back (Go's 2A-2C applier only asks that index-1 was applied once, so re-applying passes there);
  * State Machine Safety over snapshots: an installed snapshot never moves a peer's applied state back (Figure 13:
    a follower whose log already holds the snapshot's last entry keeps its state and the entries after it).
All three hold for any correct Raft whatever its timing, so a violation is always a bug of the implementation.
A peer is an incarnation (labrpc.Peer): a restarted peer applies again from its snapshot, which is legal.
"""

from __future__ import annotations

import labrpc

from tester.testing import TestFailure


class Violation(TestFailure):
    """A safety invariant failed; the message names the peer(s), both observations and their virtual times."""


class Invariants:
    def __init__(self):
        # term -> (peer name, virtual time of the first get_state that said it led that term). By name, not
        # incarnation: a restarted peer is the same server, and it may still lead the term it led before.
        self._leaders: dict[int, tuple[str, float]] = {}
        # incarnation -> (index, virtual time, "applied" | "installed a snapshot through") of its latest apply. Keyed
        # by the Peer object, which the harness keeps alive while its applier runs; a new incarnation starts afresh.
        self._applied: dict[labrpc.Peer, tuple[int, float, str]] = {}

    def saw_state(self, peer: labrpc.Peer, term: int, is_leader: bool) -> None:
        """Election Safety (Figure 3): raise Violation if another server claimed to lead `term` before."""
        if not is_leader:
            return
        now = labrpc.now()
        first = self._leaders.setdefault(term, (peer.name, now))
        if first[0] != peer.name:
            raise Violation(f"invariant (Election Safety): two leaders in term {term}: {first[0]} said it was "
                            f"leader at {first[1]:.3f} s, {peer.name} at {now:.3f} s (get_state); at most one "
                            f"server may win the election of a term")

    def saw_apply(self, peer: labrpc.Peer, index: int) -> None:
        """Applied indices increase within an incarnation: raise Violation if index is not above the last one."""
        self._advance(peer, index, "applied", strictly=True)

    def saw_snapshot(self, peer: labrpc.Peer, index: int) -> None:
        """A snapshot never moves applied state back: raise Violation if index is below what peer applied."""
        self._advance(peer, index, "installed a snapshot through", strictly=False)

    def _advance(self, peer: labrpc.Peer, index: int, what: str, strictly: bool) -> None:
        now = labrpc.now()
        before = self._applied.get(peer)
        if before is not None and (index < before[0] or (strictly and index == before[0])):
            last, when, last_what = before
            rule = ("an index is applied once, in increasing order" if strictly else
                    "a snapshot never moves the applied state back (Figure 13: a follower that holds the snapshot's "
                    "last entry keeps its state)")
            raise Violation(f"invariant: {peer.name} {what} {index} at {now:.3f} s, after it {last_what} {last} at "
                            f"{when:.3f} s, in the same incarnation: {rule}")
        self._applied[peer] = (index, now, what)
