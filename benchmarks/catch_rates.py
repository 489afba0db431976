"""Catch rates of the tests beyond Go's (parts 2X, 3X): each bug kind's mutant over many seeds, and the reference
over more, on the same tests. Prints `name: value` lines, then the README's table (Markdown).

    python benchmarks/catch_rates.py [--seeds 100] [--reference-seeds 200] [--workers 2] [--only SUBSTRING]
                                     [--isolated]

A mutant run counts as caught when it fails (or is UNKNOWN: never for these tests); the reference must pass every
seed. Runs are in-process by default (the mutants and the reference are trusted code; --isolated runs them the
way students' code runs). Seeds are 1..N for both.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tester.runner import RunSpec, run_many  # noqa: E402

# bug kind (issue 11), mutant module under tests/mutants, the test of ours meant to catch it
CASES = [
    ("votedFor not persisted", "raft_no_persist_voted_for", "TestVoteSurvivesRestart2X"),
    ("reply terms ignored (leader and candidate)", "raft_no_term_check", "TestStaleRepliesIgnored2X"),
    ("vote reply terms ignored (candidate only)", "raft_count_stale_votes", "TestStaleVotesIgnored2X"),
    ("matchIndex kept across elections", "raft_keep_match_index", "TestLeaderAgainResetsMatchIndex2X"),
    ("matchIndex from the leader's log length", "raft_match_from_log_length", "TestMatchIndexFromRequest2X"),
    ("follower commits past the last new entry", "raft_commit_past_new_entries",
     "TestFollowerCommitStopsAtNewEntries2X"),
    ("election timer reset on every RequestVote", "raft_reset_timer_on_any_vote", "TestElectableAmongStalePeers2X"),
    ("lastLogTerm 0 right after a snapshot", "raft_snapshot_last_term_zero", "TestVoteAfterSnapshot2X"),
    ("an older InstallSnapshot installed", "raft_install_old_snapshot", "TestOldSnapshotIgnored2X"),
    ("KV success for whatever op was applied", "kv_reply_for_any_op", "TestReplyOnlyForOwnOp3X"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--reference-seeds", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="", help="only the cases whose mutant or test contains this")
    parser.add_argument("--isolated", action="store_true", help="student code in a process of its own")
    args = parser.parse_args()
    cases = [c for c in CASES if args.only.lower() in (c[1] + c[2]).lower()]
    specs = [RunSpec(test, seed, impl=f"tests.mutants.{mutant}", tag=mutant)
             for _, mutant, test in cases for seed in range(1, args.seeds + 1)]
    specs += [RunSpec(test, seed, tag="reference")
              for test in dict.fromkeys(c[2] for c in cases) for seed in range(1, args.reference_seeds + 1)]
    with tempfile.TemporaryDirectory() as scratch:
        records = run_many(specs, workers=args.workers, timeout=300, output_dir=Path(scratch),
                           in_process=not args.isolated)
    failed = Counter((r.tag, r.test) for r in records if r.status != "passed")
    ran = Counter((r.tag, r.test) for r in records)
    rows, ok = [], True
    for kind, mutant, test in cases:
        caught, reference_failed = failed[mutant, test], failed["reference", test]
        print(f"caught.{mutant}.{test}: {caught}/{ran[mutant, test]}")
        print(f"reference_failed.{test}: {reference_failed}/{ran['reference', test]}")
        ok &= caught >= 0.9 * ran[mutant, test] and reference_failed == 0
        rows.append(f"| {kind} | `{mutant}` | {test} | {caught}/{ran[mutant, test]} | "
                    f"{ran['reference', test] - reference_failed}/{ran['reference', test]} |")
    print("\n| bug kind | mutant | test | caught | reference passed |\n|---|---|---|---|---|")
    print("\n".join(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
