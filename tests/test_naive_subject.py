"""The naive-student benchmark subject (benchmarks/subjects/naive/) is a correct Raft and KV service: its speed
figures mean something only if it is. Here: all of lab 2 and the lab-3 tests that stay short for it, isolated, one
seed. The other lab-3 tests pass too but take minutes (it re-encodes its whole log at every persist, and without
snapshots lab 3's logs reach thousands of entries: TestConcurrent3A, 7,300 operations, about 100 s); run them with
`python benchmarks/suite_time.py lab3 --impls naive --repeat 1`."""

import ast
import os
import time

from tester import registry
from tester.runner import plan_runs, run_many

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAIVE = os.path.join(ROOT, "benchmarks", "subjects", "naive")


# Every kind of lab-3 check: one and many clients, unreliable network, partitions, restarts, snapshots (3B keeps
# the log short), linearizability with random keys.
LAB3_SHORT = ["TestUnreliableOneKey3A", "TestOnePartition3A", "TestPersistPartitionUnreliable3A",
              "TestSnapshotRPC3B", "TestSnapshotSize3B", "TestSpeed3B", "TestSnapshotRecoverManyClients3B",
              "TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B"]


def test_the_naive_subject_passes_lab2_and_the_short_lab3_tests(tmp_path):
    names = LAB3_SHORT + [t.name for t in registry.all_tests() if t.lab == "lab2"]
    started = time.monotonic()
    records = run_many(plan_runs(names, seed=1, runs=1), workers=2, timeout=300, impl=NAIVE,
                       output_dir=tmp_path / "runs")
    failed = [f"{r.test}: {r.status} {r.message[:300]}" for r in records if not r.passed]
    assert len(records) == len(names) and not failed, "\n".join(failed)
    print(f"naive subject, {len(names)} tests on 2 workers: {time.monotonic() - started:.1f} s")


def test_the_naive_subject_is_written_the_way_the_template_suggests():
    # What makes it the subject it claims to be: the whole state encoded on every persist, log entries as objects, a
    # replicator task per follower, KV handlers waiting on a per-index queue.
    raft_source = open(os.path.join(NAIVE, "raft", "raft.py")).read()
    server_source = open(os.path.join(NAIVE, "kvraft", "server.py")).read()
    assert "labrpc.encode([self.current_term, self.voted_for, self.log" in raft_source
    classes = {node.name for node in ast.walk(ast.parse(raft_source)) if isinstance(node, ast.ClassDef)}
    assert "LogEntry" in classes and "self.log.append(LogEntry(" in raft_source
    assert "rf.spawn(rf.replicator(peer))" in raft_source
    assert "asyncio.Queue(maxsize=1)" in server_source and "self.channels" in server_source
