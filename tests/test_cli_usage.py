"""How the command line answers a user (issue 10, items 8, 12, 14, 17): the trace hash a failing run prints and
`raftlab replay --expect-hash` checks, the wall clock refused, commands never wrapped, Ctrl-C summed up, --version,
--list, test names in any case or in part, and pytest node ids that do not depend on --impl."""

import importlib.metadata
import os
import re
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tester import registry
from tester.cli import cli
from tester.run_one import run_test

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAILS_FAST = ("TestReElection2A", "--seed", "1", "--impl", "tests.mutants.raft_keep_vote_on_new_term")


def raftlab(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def lab_with(tmp_path, code: str = "", name: str = "lab"):
    """A fresh `raftlab init` folder (its Raft elects no leader) with `code` appended to raft/__init__.py."""
    lab = tmp_path / name
    subprocess.run([sys.executable, "-m", "tester.cli", "init", str(lab)], cwd=ROOT, check=True, capture_output=True)
    with open(lab / "raft" / "__init__.py", "a") as init:
        init.write("\n" + code)
    return lab


# --- item 8: the trace hash, printed and checked

def test_a_failing_run_prints_its_trace_hash_and_a_replay_that_checks_it():
    result = raftlab("test", *FAILS_FAST)
    assert result.exit_code == 1
    trace_hash = re.search(r"trace hash: ([0-9a-f]{32})\n", result.output).group(1)
    replays = [line.split("raftlab ", 1)[1] for line in result.output.splitlines() if "raftlab replay" in line]
    assert len(replays) == 2 and all(line.endswith(f"--expect-hash {trace_hash}") for line in replays)

    again = raftlab(*replays[0].split(), "--quiet-logs")
    assert again.exit_code == 1 and f"trace hash: {trace_hash}" in again.output   # failed as before, same path
    assert "TRACE DIFFERS" not in again.output

    other_mode = raftlab(*replays[0].split(), "--quiet-logs", "--schedule", "shuffle")
    assert other_mode.exit_code == 4
    assert f"TRACE DIFFERS: expected {trace_hash}" in other_mode.output and "not deterministic" in other_mode.output
    assert re.search(r"^ +4 +the trace hash differs from --expect-hash", raftlab("replay", "--help").output, re.M)


def test_a_run_stopped_by_real_time_expects_no_hash_from_its_replay(tmp_path):
    lab = lab_with(tmp_path, "_make = make\ndef make(peers, me, persister, apply_ch):\n    while True:\n        pass\n")
    printed = []
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), real_time_limit=1,
                      printer=lambda text, kind: printed.append(text))
    assert not result.passed and not result.exact   # where it stopped depends on the machine
    assert "(it depends on real time" in printed[-2] and "--expect-hash" not in printed[-1]
    again = raftlab("replay", "TestInitialElection2A", "--seed", 1, "--impl", lab, "--timeout", 1,
                    "--expect-hash", result.trace_hash[::-1])
    assert again.exit_code == 1 and "not compared with --expect-hash" in again.output


@pytest.mark.parametrize("call", ["monotonic", "time"])
def test_reading_the_wall_clock_fails_an_isolated_run_naming_the_call(tmp_path, call):
    lab = lab_with(tmp_path, f"import time as _time\n_make = make\n"
                             f"def make(peers, me, persister, apply_ch):\n"
                             f"    _time.{call}()\n    return _make(peers, me, persister, apply_ch)\n")
    result = raftlab("test", "TestInitialElection2A", "--seed", 1, "--impl", lab)
    assert result.exit_code == 1 and f"reading the wall clock (time.{call}()" in result.output


def test_reading_the_wall_clock_fails_an_in_process_run_naming_the_call(tmp_path):
    lab = lab_with(tmp_path, "import time as _time\n_make = make\n"
                             "def make(peers, me, persister, apply_ch):\n"
                             "    _time.monotonic()\n    return _make(peers, me, persister, apply_ch)\n")
    done = subprocess.run([sys.executable, "-m", "tester.cli", "test", "TestInitialElection2A", "--seed", "1",
                           "--impl", str(lab), "--in-process"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "time.monotonic()" in done.stdout, done.stdout   # (a process of its own:
    # this one keeps its imports clean)


# --- item 12: commands and paths are never wrapped

@pytest.mark.parametrize("mode", [["--in-process"], []])
def test_nothing_printed_by_a_single_run_depends_on_the_terminal_width(tmp_path, mode):
    lab = lab_with(tmp_path / ("a_folder_name_long_enough_to_pass_the_width_of_any_narrow_terminal" * 2))

    def shown(columns: int) -> list[str]:
        env = {**os.environ, "COLUMNS": str(columns), "RAFTLAB_SANDBOX": "none"}   # "none": a note with a command
        done = subprocess.run([sys.executable, "-m", "tester.cli", "test", "TestInitialElection2A", "--seed", "1",
                               "--impl", str(lab), *mode], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 1, done.stdout + done.stderr
        return re.sub(r"\d+\.\d+", "N", done.stdout).splitlines()   # timings differ from run to run

    narrow = shown(40)
    assert narrow == shown(400)
    replays = [line for line in narrow if "raftlab replay" in line]
    assert replays and all(f"--impl {lab} " in line and "--expect-hash" in line for line in replays)


# --- item 14: Ctrl-C

@pytest.mark.parametrize("mode", [["--in-process"], []])
def test_ctrl_c_during_a_lab_prints_what_finished_and_exits_130(tmp_path, mode):
    lab = lab_with(tmp_path)   # every test fails fast: the summary has replay commands to show
    proc = subprocess.Popen([sys.executable, "-m", "tester.cli", "test", "lab2", "--seed", "1", "--impl", str(lab),
                             *mode], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = [proc.stdout.readline()]
    while not seen[-1].startswith("Test (2A): election after"):   # the second test began: the first one finished
        seen.append(proc.stdout.readline())
        assert seen[-1], "".join(seen)
    proc.send_signal(signal.SIGINT)
    out = "".join(seen) + proc.stdout.read()
    assert proc.wait(timeout=60) == 130, out
    assert "Aborted!" not in out and "Traceback" not in out
    total = len(registry.select(["lab2"]))
    summary = re.search(rf"INTERRUPTED: (\d+) of {total} tests finished: 0 passed, (\d+) failed, 0 unknown", out)
    assert summary and summary.group(1) == summary.group(2) and int(summary.group(1)) >= 1, out
    assert int(summary.group(1)) == total or "was running and has no verdict" in out
    assert f"    raftlab replay TestInitialElection2A --seed 1 --impl {lab}" in out.split("INTERRUPTED")[1]


def test_ctrl_c_before_any_run_also_exits_130(monkeypatch):
    def interrupted(selectors):
        raise KeyboardInterrupt   # as if Ctrl-C came while the lab tests were being imported
    monkeypatch.setattr(registry, "select", interrupted)
    result = raftlab("test", "2A")
    assert result.exit_code == 130 and "Aborted!" not in result.output and "interrupted" in result.output


# --- item 17: --version, --list, selectors

def test_version():
    result = raftlab("--version")
    assert result.exit_code == 0
    assert result.output.startswith(f"raftlab {importlib.metadata.version('raftlab')} ({ROOT}, Python ")


def test_list_shows_name_part_and_title_and_runs_nothing():
    part = raftlab("test", "--list", "2B")
    assert part.exit_code == 0 and "Passed" not in part.output
    assert len(part.output.splitlines()) == len(registry.select(["2B"]))
    assert re.search(r"^TestBackup2B +2B  leader backs up quickly over incorrect follower logs$", part.output, re.M)
    every = raftlab("test", "--list").output
    assert len(every.splitlines()) == len(registry.all_tests())
    assert re.search(r"^TestFigure8Unreliable2C +2C  Figure 8 \(unreliable\)$", every, re.M)
    assert re.search(r"^TestBasic3A +3A  one client$", every, re.M)
    nothing = raftlab("test")
    assert nothing.exit_code == 2 and "raftlab test --list" in nothing.output


def names(*selectors):
    return [t.name for t in registry.select(selectors)]


def test_test_names_match_in_any_case_and_in_part_like_go_run():
    assert names("TestBackup2b") == names("testbackup2b") == ["TestBackup2B"]
    assert names("Backup") == ["TestBackup2B"]
    assert names("election") == ["TestInitialElection2A", "TestReElection2A", "TestManyElections2A"]
    assert names("2b") == [t.name for t in registry.all_tests() if t.part == "2B"]   # a part stays a part
    assert names("lab3", "all") == names("all") and registry.get("testbackup2b").name == "TestBackup2B"


def test_labs_stay_gos_and_our_own_tests_are_parts_2x_3x_and_the_lab_beyond():
    go = names("lab2", "lab3")
    ours = names("2X", "3X")
    assert len(names("lab2")) == 28 and len(names("lab3")) == 23 and not any(n.endswith("X") for n in go)
    assert len(ours) >= 9 and all(n.endswith(("2X", "3X")) for n in ours) and names("beyond") == ours
    assert names("all") == [t.name for t in registry.all_tests()] and set(names("all")) == set(go) | set(ours)
    assert {registry.get(n).package for n in names("2X")} == {"raft"} and registry.get(names("3X")[0]).package == \
        "kvraft"


@pytest.mark.parametrize("selector", ["2Z", "TestBakup2B", " "])
def test_a_selector_that_matches_nothing_is_an_error(selector):
    with pytest.raises(ValueError, match="unknown test selector|empty test selector"):
        registry.select(["2A", selector])


def test_an_unknown_name_gets_did_you_mean():
    result = raftlab("test", "TestBakup2B")
    assert result.exit_code == 2 and "Did you mean TestBackup2B" in result.output
    replay = raftlab("replay", "TestBakup2B", "--seed", 1)
    assert replay.exit_code == 2 and "Did you mean TestBackup2B" in replay.output


def test_pytest_node_ids_do_not_depend_on_impl_or_the_working_folder(tmp_path):
    lab = lab_with(tmp_path)

    def ids(*args, cwd=ROOT) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs",
                               "tester.lab2_tests", "-k", "InitialElection or Backup", "--collect-only", "-q", *args],
                              cwd=cwd, capture_output=True, text=True, timeout=120)
        return [line for line in done.stdout.splitlines() if "::" in line]

    expected = ["tester/lab2_tests.py::TestInitialElection2A", "tester/lab2_tests.py::TestBackup2B"]   # as without
    assert ids("--impl", str(lab)) == expected
    assert ids("--impl", str(lab), cwd=tmp_path) == expected
