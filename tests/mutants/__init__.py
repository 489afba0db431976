"""Mutants: the reference with one classic bug each (spec §8), to prove the tester bites.

raft_*.py subclass raft.Raft and override the one rule method (or constant) that holds the bug, exporting `make`;
kv_*.py subclass the reference KVServer (or its Raft) the same way, exporting `start_kv_server` and `make_clerk`.
`tester.impl.load_impl("tests.mutants.NAME")` loads either kind. tests/test_mutants.py and tests/test_kv_mutants.py
check that the tester catches every one within 10 seeds, with the message of the test meant to catch it.
"""
