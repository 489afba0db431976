"""What a new user ran into with student code in its own process, each kept as a test: clear answers, reports that
are always written, and messages that name the peer, the task and the cause."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from tester.cli import cli
from tester.run_one import run_test

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lab_with(tmp_path, code: str, name: str = "lab"):
    """A fresh `raftlab init` folder with `code` appended to raft/__init__.py."""
    lab = tmp_path / name
    subprocess.run([sys.executable, "-m", "tester.cli", "init", str(lab)], cwd=ROOT, check=True, capture_output=True)
    with open(lab / "raft" / "__init__.py", "a") as init:
        init.write("\n" + code)
    return lab


def invoke(*args, env=None):
    return CliRunner().invoke(cli, ["test", *map(str, args)], env=env, catch_exceptions=False)


def test_a_submission_that_does_not_import_still_gets_its_reports(tmp_path):
    lab = lab_with(tmp_path, "x = (\n")
    result = invoke("2A", "--impl", lab, "--runs", 2, "--json", tmp_path / "r.json", "--junit", tmp_path / "r.xml")
    assert result.exit_code == 2 and "SyntaxError" in result.output and "raft/__init__.py" in result.output
    records = json.loads((tmp_path / "r.json").read_text())
    assert len(records) == 6 and {r["status"] for r in records} == {"failed"}
    assert all("importing raft failed" in r["message"] for r in records)
    assert len(ET.parse(tmp_path / "r.xml").getroot().findall("testcase/failure")) == 6


def test_a_report_path_that_cannot_be_written_is_refused_before_any_run(tmp_path):
    result = invoke("2A", "--runs", 2, "--json", tmp_path / "missing" / "r.json")
    assert result.exit_code == 2 and "cannot write" in result.output and "raftlab runs" not in result.output


def test_reports_say_whether_student_code_was_isolated(tmp_path):
    for flags, isolated in (([], True), (["--in-process"], False)):
        result = invoke("TestInitialElection2A", "--seed", 1, "--json", tmp_path / "r.json", "--junit",
                        tmp_path / "r.xml", *flags)
        assert result.exit_code == 0, result.output
        assert json.loads((tmp_path / "r.json").read_text())[0]["isolated"] is isolated
        prop = ET.parse(tmp_path / "r.xml").getroot().find("properties/property[@name='raftlab.isolated']")
        assert prop.get("value") == str(isolated).lower()


def test_the_raft_folder_itself_is_recognised_as_one_level_too_deep(tmp_path):
    lab = lab_with(tmp_path, "")
    result = invoke("2A", "--impl", lab / "raft")
    assert result.exit_code == 2 and f"pass the folder that holds raft/: --impl {lab}" in result.output


@pytest.mark.parametrize("value, says", [("bogus", "use auto, bwrap or none"), ("none", "unset RAFTLAB_SANDBOX")])
def test_the_sandbox_setting_is_explained_not_thrown(value, says):
    result = invoke("TestInitialElection2A", "--seed", 1, env={"RAFTLAB_SANDBOX": value})
    assert says in result.output and "Traceback" not in result.output
    assert result.exit_code == (2 if value == "bogus" else 0)


def test_sys_exit_in_a_task_names_the_peer_the_task_and_the_line(tmp_path):
    lab = lab_with(tmp_path, """
import asyncio as _asyncio, sys as _sys
_make = make
async def _leave():
    await _asyncio.sleep(0.2)
    _sys.exit(0)
def make(peers, me, persister, apply_ch):
    rf = _make(peers, me, persister, apply_ch)
    if me == 1:
        _asyncio.create_task(_leave())
    return rf
""")
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), quiet=True)
    assert not result.passed
    assert result.message.startswith("S1 at 0.200 s, task _leave: the student side stopped: SystemExit: 0")
    assert "raft/__init__.py\", line" in result.message and "_sys.exit(0)" in result.message


@pytest.mark.parametrize("call, says", [
    ("breakpoint()", "debug with --in-process"),
    ("__import__('socket').getaddrinfo('localhost', 80)", "looking up hosts (socket.getaddrinfo)"),
])
def test_calls_the_student_side_cannot_serve_fail_naming_the_call(tmp_path, call, says):
    lab = lab_with(tmp_path, f"""
_make = make
def make(peers, me, persister, apply_ch):
    {call}
    return _make(peers, me, persister, apply_ch)
""")
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), quiet=True)
    assert not result.passed and says in result.message and "S0 at 0.000 s" in result.message


def test_replay_is_bounded_in_real_time_too(tmp_path):
    lab = lab_with(tmp_path, """
import asyncio as _asyncio
_make = make
async def _spin():
    while True:
        await _asyncio.sleep(0)   # yields, so no busy loop; but virtual time never moves
def make(peers, me, persister, apply_ch):
    _asyncio.ensure_future(_spin())
    return _make(peers, me, persister, apply_ch)
""")
    result = CliRunner().invoke(cli, ["replay", "TestInitialElection2A", "--seed", "1", "--impl", str(lab),
                                      "--timeout", "3"])
    assert result.exit_code == 1 and "real time limit of 3 s" in result.output


def test_a_make_that_returns_nothing_is_named_on_the_student_side_too(tmp_path):
    lab = lab_with(tmp_path, "def make(peers, me, persister, apply_ch):\n    return None\n")
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), quiet=True)
    assert not result.passed
    assert result.message.startswith("S0 at 0.000 s: raft.make() returned None; it must return the Raft object")
