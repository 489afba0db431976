"""The runner behind `raftlab test`, and `replay`, `logs`, `init`: driven through the CLI as a user would."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_raft_harness_cli import NEVER_ELECTS
from tester.cli import cli

REPO = Path(__file__).resolve().parents[1]

# The harness tests' Raft that never elects a leader, except that on seed 8 make() blocks the student side in a C
# call, which no in-process watchdog could interrupt: the student side's watchdog reports where it is stuck when
# the run's real-time limit passes, and the student side is killed.
HANGS_ON_SEED_8 = NEVER_ELECTS + """
    import threading
    import labrpc
    never_electing_make = make

    def make(peers, me, persister, apply_ch):
        if labrpc.current_simulation().seed == 8:
            threading.Event().wait()
        return never_electing_make(peers, me, persister, apply_ch)
"""


@pytest.fixture
def hanging_student(tmp_path):
    (tmp_path / "raft").mkdir()
    (tmp_path / "raft" / "__init__.py").write_text(textwrap.dedent(HANGS_ON_SEED_8))
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(cli, ["test", *map(str, args)], catch_exceptions=False)


def test_many_runs_pass_with_exit_status_zero_and_json_junit_hold_the_counts(tmp_path):
    result = invoke("TestInitialElection2A", "TestBasicAgree2B", "--seed", 5, "--runs", 3, "--workers", 2,
                    "--output", tmp_path / "out", "--json", tmp_path / "runs.json", "--junit", tmp_path / "j.xml")
    assert result.exit_code == 0, result.output
    assert "PASS: 6/6 runs passed" in result.output
    records = json.loads((tmp_path / "runs.json").read_text())
    assert sorted((r["test"], r["seed"]) for r in records) == sorted(
        (t, s) for t in ("TestInitialElection2A", "TestBasicAgree2B") for s in (5, 6, 7))
    assert all(r["passed"] and r["status"] == "passed" and r["rpcs"] > 0 and len(r["trace_hash"]) == 32
               for r in records)
    suite = ET.parse(tmp_path / "j.xml").getroot()
    assert suite.get("tests") == "6" and suite.get("failures") == "0" and len(suite.findall("testcase")) == 6
    assert not (tmp_path / "out").exists()   # nothing failed: no traces, no scratch, no empty folder left


def test_failures_give_exit_status_one_logs_and_replay_commands(tmp_path):
    mutant = "tests.mutants.raft_slow_election"
    result = invoke("TestInitialElection2A", "--impl", mutant, "--seed", 1, "--runs", 2, "--output", tmp_path,
                    "--json", tmp_path / "runs.json", "--junit", tmp_path / "j.xml")
    assert result.exit_code == 1
    assert "expected one leader, got none" in result.output
    for seed in (1, 2):
        assert f"raftlab replay TestInitialElection2A --seed {seed} --impl {mutant}" in result.output
        log = tmp_path / f"TestInitialElection2A-seed{seed}.log"
        assert log.exists() and "expected one leader, got none" in log.read_text()
    assert not (tmp_path / ".workers").exists()   # the logs of failing runs stay; the workers' scratch goes
    records = json.loads((tmp_path / "runs.json").read_text())
    assert [r["status"] for r in records] == ["failed", "failed"]
    suite = ET.parse(tmp_path / "j.xml").getroot()
    assert suite.get("failures") == "2" and len(suite.findall("testcase/failure")) == 2


def test_a_hanging_run_is_killed_at_its_timeout_while_the_others_finish(hanging_student, tmp_path):
    started = time.monotonic()
    result = invoke("TestInitialElection2A", "--impl", hanging_student, "--seed", 7, "--runs", 3,
                    "--workers", 2, "--timeout", 2, "--output", tmp_path / "out", "--json", tmp_path / "runs.json")
    assert result.exit_code == 1
    records = {r["seed"]: r for r in json.loads((tmp_path / "runs.json").read_text())}
    assert records[8]["status"] == "timeout" and "real time limit of 2 s" in records[8]["message"]
    assert "threading.Event().wait()" in records[8]["message"]   # the student's line where it was stuck
    assert records[7]["status"] == records[9]["status"] == "failed"   # the others ran to their own end
    assert time.monotonic() - started < 30


def test_replay_reproduces_the_recorded_trace_hash(tmp_path):
    invoke("TestFailAgree2B", "--seed", 4, "--runs", 2, "--json", tmp_path / "runs.json", "--output", tmp_path)
    for record in json.loads((tmp_path / "runs.json").read_text()):
        result = CliRunner().invoke(cli, ["replay", "TestFailAgree2B", "--seed", str(record["seed"]),
                                          "--expect-hash", record["trace_hash"], "--topics", "LEAD"])
        assert result.exit_code == 0, result.output
        assert f"trace hash: {record['trace_hash']}" in result.output and " LEAD " in result.output
    result = CliRunner().invoke(cli, ["replay", "TestFailAgree2B", "--seed", "4", "--expect-hash", "0" * 32])
    assert result.exit_code == 4 and "TRACE DIFFERS" in result.output and "did not" in result.output


def test_reading_the_wall_clock_fails_the_run_naming_the_call(tmp_path):
    result = invoke("TestReElection2A", "--impl", "tests.mutants.raft_wall_clock", "--seed", 1)
    assert result.exit_code == 1
    assert "reading the wall clock (time.time_ns()" in result.output and "not allowed" in result.output


def test_check_determinism_flags_code_that_depends_on_the_hash_seed(tmp_path):
    result = invoke("TestReElection2A", "--impl", "tests.mutants.raft_string_hash", "--seed", 1,
                    "--check-determinism", "--output", tmp_path, "--json", tmp_path / "runs.json")
    assert result.exit_code == 1
    (record,) = json.loads((tmp_path / "runs.json").read_text())
    assert record["status"] == "nondeterministic"
    assert "they part at event" in record["message"] and "first run:" in record["message"]


def test_check_determinism_passes_the_reference(tmp_path):
    result = invoke("TestReElection2A", "--seed", 1, "--runs", 2, "--check-determinism", "--output", tmp_path)
    assert result.exit_code == 0, result.output


def test_ctrl_c_stops_cleanly_and_reports_what_finished(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "tester.cli", "test", "2C", "--runs", "30", "--seed", "1",
                             "--output", str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "interrupted:" in output and "runs finished" in output


def test_init_writes_a_folder_whose_tests_run_and_fail_cleanly(tmp_path):
    lab = tmp_path / "lab"
    result = CliRunner().invoke(cli, ["init", str(lab)])
    assert result.exit_code == 0, result.output
    assert (lab / "raft" / "__init__.py").exists() and (lab / "kvraft").is_dir()
    assert "raftlab replay" in (lab / "README.md").read_text()
    result = invoke("TestInitialElection2A", "--impl", lab, "--seed", 1)
    assert result.exit_code == 1 and "Traceback" not in result.output
    again = CliRunner().invoke(cli, ["init", str(lab)])
    assert again.exit_code == 2 and "already exist" in again.output


LOG = """\
Test (2A): initial election ...
     0.412 S0    VOTE     S0 asks for votes in term 1
     0.413 S11   VOTE     S11 votes for S0 in term 1
     0.415 S2    APPEND   heartbeat
     0.500 tester TEST    checking one leader
  ... Passed --   3.1  3   54   17042    0
"""


def test_logs_filter_topics_and_put_each_peer_in_a_column(tmp_path):
    path = tmp_path / "run.log"
    path.write_text(LOG)
    runner = CliRunner()
    just = runner.invoke(cli, ["logs", str(path), "--just", "vote"]).output
    assert "S11 votes for S0" in just and "heartbeat" not in just and "Passed --" in just
    ignored = runner.invoke(cli, ["logs", str(path), "--ignore", "VOTE,TEST"]).output
    assert "heartbeat" in ignored and "asks for votes" not in ignored
    columns = runner.invoke(cli, ["logs", "-", "--columns"], input=LOG, terminal_width=200).output
    header = next(line for line in columns.splitlines() if "S11" in line and "S0" in line)
    assert header.index("S0") < header.index("S2") < header.index("S11") < header.index("tester")
    row = next(line for line in columns.splitlines() if "heartbeat" in line)
    assert row.index("heartbeat") > header.index("S2") - 2


def test_each_run_has_a_log_name_of_its_own_and_never_an_old_log(tmp_path):
    from tester.runner import RunSpec, _stem, run_many
    # tags that _safe would make equal, and a long one, still give distinct, short file names
    stems = {_stem(RunSpec("TestBackup2B", 1, tag=tag)) for tag in ("x_y", "x~y", "x y", "n" * 300)}
    assert len(stems) == 4 and max(map(len, stems)) < 120
    # a log left by an earlier batch is not taken for a passing run's
    stale = tmp_path / f"{_stem(RunSpec('TestInitialElection2A', 1, tag='x~y'))}.log"
    stale.write_text("SECRET of another student\n")
    records = run_many([RunSpec("TestInitialElection2A", 1, tag="x~y")], workers=1, timeout=60, output_dir=tmp_path,
                       on_result=None)
    assert records[0].passed and records[0].log_path == "" and not stale.exists()
