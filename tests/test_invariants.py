"""The invariants checked in every test (tester.invariants): what each catches, with the two observations named, and
that Go's own checks let the same bugs through."""

import asyncio

import labrpc
import pytest

from tester.invariants import Invariants, Violation
from tester.run_one import run_test


def observe(script):
    """Run script(invariants) on a simulation's clock (the invariants read labrpc.now())."""
    async def main():
        inv = Invariants()
        return await script(inv)
    return labrpc.run(main, seed=1)


def test_two_leaders_of_one_term_across_the_test_are_a_violation_naming_both():
    async def script(inv):
        s1, s2 = labrpc.Peer("S1"), labrpc.Peer("S2")
        inv.saw_state(s1, 3, True)
        inv.saw_state(s2, 3, False)          # a follower of term 3
        inv.saw_state(s1, 3, True)           # the same leader again
        inv.saw_state(s2, 4, True)           # a leader of the next term
        await asyncio.sleep(1.5)
        with pytest.raises(Violation) as failure:
            inv.saw_state(s2, 3, True)
        return str(failure.value)
    message = observe(script)
    assert "two leaders in term 3: S1 said it was leader at 0.000 s, S2 at 1.500 s" in message


def test_an_index_applied_again_or_backwards_within_an_incarnation_is_a_violation():
    async def script(inv):
        s0 = labrpc.Peer("S0")
        inv.saw_apply(s0, 1)
        inv.saw_apply(s0, 2)
        await asyncio.sleep(0.25)
        messages = []
        for index in (2, 1):
            with pytest.raises(Violation) as failure:
                inv.saw_apply(s0, index)
            messages.append(str(failure.value))
        inv.saw_apply(labrpc.Peer("S0"), 1)   # a new incarnation applies from the start again: legal
        return messages
    again, backwards = observe(script)
    assert "S0 applied 2 at 0.250 s, after it applied 2 at 0.000 s, in the same incarnation" in again
    assert "S0 applied 1 at 0.250 s, after it applied 2" in backwards


def test_a_snapshot_behind_the_applied_index_is_a_violation_but_one_at_it_is_not():
    async def script(inv):
        s1 = labrpc.Peer("S1")
        inv.saw_apply(s1, 19)
        inv.saw_snapshot(s1, 19)   # a snapshot of exactly what was applied changes nothing
        inv.saw_apply(s1, 20)
        with pytest.raises(Violation) as failure:
            inv.saw_snapshot(s1, 9)
        return str(failure.value)
    message = observe(script)
    assert "S1 installed a snapshot through 9" in message and "after it applied 20" in message
    assert "never moves the applied state back" in message


def test_go_tests_with_the_invariants_catch_a_command_applied_twice(monkeypatch):
    """Go's TestFailAgree2B accepts a command applied twice at one index (same value, index-1 applied); the
    applied-index invariant fails it, while the reference passes the same seed."""
    with monkeypatch.context() as go_checks_only:
        go_checks_only.setattr(Invariants, "saw_apply", lambda *_: None)
        assert run_test("TestFailAgree2B", seed=1, impl="tests.mutants.raft_apply_twice", quiet=True,
                        in_process=True).passed
    failure = run_test("TestFailAgree2B", seed=1, impl="tests.mutants.raft_apply_twice", quiet=True)
    assert not failure.passed
    assert "invariant: S" in failure.message and "applied 5" in failure.message
    assert "an index is applied once, in increasing order" in failure.message
    assert run_test("TestFailAgree2B", seed=1, quiet=True).passed
