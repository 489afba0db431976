"""Mutants of the reference Raft: each module subclasses raft.Raft, overrides the one rule method (or constant)
that holds a classic bug from the spec's §8, and exports `make`, so `tester.impl.load_impl("tests.mutants.NAME")`
loads it. tests/test_mutants.py checks that the tester catches every one of them.
"""
