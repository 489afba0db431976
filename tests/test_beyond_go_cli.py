"""What a student met trying parts 2X and 3X from the README (issue 11's trial), each now a check: a folder without
kvraft/ named as such, the determinism hint of a replay that keeps --impl, --topics that match nothing said so, and
tables of long test names that do not wrap off a terminal."""

import subprocess
import sys

from click.testing import CliRunner

from tester.cli import cli
from tests.test_cli_usage import ROOT

MUTANT = ("--impl", "tests.mutants.raft_keep_vote_on_new_term")


def raftlab(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def test_a_folder_without_kvraft_is_told_that_3x_needs_it(tmp_path):
    subprocess.run([sys.executable, "-m", "tester.cli", "init", str(tmp_path / "lab")], cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run(["rm", "-r", str(tmp_path / "lab" / "kvraft")], check=True)
    result = raftlab("test", "3X", "--impl", tmp_path / "lab")
    assert result.exit_code == 2
    assert "it has no kvraft/ folder" in result.output and "lab 3 and part 3X" in result.output
    assert "Traceback" not in result.output


def test_a_replay_that_took_another_path_suggests_the_determinism_check_with_its_own_impl():
    result = raftlab("replay", "TestReElection2A", "--seed", 1, *MUTANT, "--expect-hash", "deadbeef")
    assert result.exit_code == 4
    assert "raftlab test TestReElection2A --seed 1 --impl tests.mutants.raft_keep_vote_on_new_term " \
           "--check-determinism" in result.output


def test_topics_that_match_no_log_line_are_said_to_match_nothing():
    result = raftlab("replay", "TestInitialElection2A", "--seed", 1, "--topics", "VOTES")
    assert result.exit_code == 0 and "no log line had topic VOTES" in result.output
    shown = raftlab("replay", "TestInitialElection2A", "--seed", 1, "--topics", "vote")
    assert "VOTE" in shown.output and "no log line had topic" not in shown.output


def test_the_summary_table_keeps_long_test_names_whole_off_a_terminal(monkeypatch, tmp_path):
    monkeypatch.delenv("COLUMNS", raising=False)
    result = raftlab("test", "TestFollowerCommitStopsAtNewEntries2X", "--runs", 2, "--in-process",
                     "--output", tmp_path)
    assert result.exit_code == 0
    assert any("TestFollowerCommitStopsAtNewEntries2X" in line and "2/2" in line for line in result.output.splitlines())
