"""What an adversarial tester found, each kept as a test: a submission that forges the protocol, stops itself, shadows
the tester or fills RAM disks fails its runs, quickly and cleanly; it never passes and never hangs the tester."""

import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from tester.run_one import run_test
from tester.students.sandbox import sandbox_mode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONHASHSEED="0", RAFTLAB_BUSY_LIMIT="2")
# The student side's report pipe, found as an attacker would: in the command line that started it.
FORGE = """
import re as _re
from labrpc import wire as _wire
_REPORT_FD = int(_re.findall(rb"main\\((\\d+), (\\d+)", open("/proc/self/cmdline", "rb").read())[0][1])
def _forge(report):
    _wire.send_frame(_REPORT_FD, report)
"""


def lab_with(tmp_path, code: str):
    lab = tmp_path / "lab"
    subprocess.run([sys.executable, "-m", "tester.cli", "init", str(lab)], cwd=ROOT, check=True, capture_output=True)
    with open(lab / "raft" / "__init__.py", "a") as init:
        init.write("\n" + code)
    return lab


def in_make(body: str) -> str:
    return f"""
_make = make
def make(peers, me, persister, apply_ch):
    rf = _make(peers, me, persister, apply_ch)
{body}
    return rf
"""


def failing_run(lab, timeout=None):
    started = time.monotonic()
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), quiet=True, real_time_limit=timeout)
    assert not result.passed
    return result, time.monotonic() - started


@pytest.mark.parametrize("forged, says", [
    ('("ok", None, [("fail", _dag)], None, 0.0)', "more than 2,000,000 values"),
    ('("error", _dag, [], None, 0.0)', "more than 2,000,000 values"),
    ('("error", [1], [], None, 0.0)', "(not text: list)"),
    ('("ok", None, [("saved", _dag)], None, 0.0)', "broke the protocol"),
    ('("ok", None, [("saved", 1)] * 60_000, None, 0.0)', "broke the protocol"),
    ('5', "a report out of turn"),
    ('("ok", None, [], float("nan"), 0.0)', "broke the protocol"),
])
def test_forged_reports_fail_the_run_at_once(tmp_path, forged, says):
    # _dag pickles to a few bytes and is 2**60 values as a tree: str() or hash() of it would never end.
    lab = lab_with(tmp_path, FORGE + "_dag = []\nfor _ in range(60):\n    _dag = [_dag, _dag]\n"
                   + in_make(f"    _forge({forged})"))
    result, took = failing_run(lab)
    assert says in result.message and took < 20, result.message


def test_a_student_side_that_stops_itself_mid_conversation_cannot_hang_the_tester(tmp_path):
    # A 2 MiB request fills the command pipe the tester writes to, then the student side stops itself (SIGSTOP
    # through libc, which no guard sees): the tester must neither block on the write nor wait forever.
    lab = lab_with(tmp_path, """
import asyncio as _asyncio, ctypes as _ctypes, signal as _signal
from .rpc_types import RequestVoteArgs as _Args
_make = make
async def _stop(peers):
    _asyncio.ensure_future(peers[1].call("Raft.request_vote", b"x" * (2 << 20)))
    await _asyncio.sleep(0.001)
    _ctypes.CDLL(None).raise_(_signal.SIGSTOP) if hasattr(_ctypes.CDLL(None), "raise_") else \\
        getattr(_ctypes.CDLL(None), "raise")(_signal.SIGSTOP)
def make(peers, me, persister, apply_ch):
    rf = _make(peers, me, persister, apply_ch)
    if me == 0:
        _asyncio.ensure_future(_stop(peers))
    return rf
""")
    result, took = failing_run(lab, timeout=5)
    assert took < 30 and ("real time limit" in result.message or "did not come back" in result.message), \
        result.message


def test_control_characters_from_student_code_are_shown_escaped(tmp_path):
    lab = lab_with(tmp_path, "Raft.get_state = lambda self: (_ for _ in ()).throw(RuntimeError("
                             "'boom \\x1b[32mPASS\\x1b[8m \\x00 \\x07'))\n")
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), quiet=True)
    assert not result.passed and "boom" in result.message
    assert "\x1b" not in result.message and "\x00" not in result.message and "\\x1b[32mPASS" in result.message
    ET.fromstring(f"<m>{result.message.replace('&', '&amp;').replace('<', '&lt;')}</m>")   # well-formed XML


def test_ram_disks_of_the_sandbox_are_bounded(tmp_path):
    if sandbox_mode() != "bwrap":
        assert not os.environ.get("CI"), "CI installs bubblewrap"
        return   # no sandbox, no RAM disks of its own: nothing to bound
    # files of 32 MiB each (a file may not pass 64 MiB) until /tmp, a RAM disk, is full
    lab = lab_with(tmp_path, in_make("""    for n in range(12):
        with open(f"/tmp/big{n}", "wb") as f:
            for _ in range(32):
                f.write(b"x" * (1 << 20))"""))
    result, took = failing_run(lab)
    assert "No space left on device" in result.message and took < 20, result.message


def test_a_tester_package_in_the_submission_is_not_imported_by_the_raftlab_command(tmp_path):
    raftlab = os.path.join(os.path.dirname(sys.executable), "raftlab")
    if not os.path.exists(raftlab):
        assert not os.environ.get("CI"), "CI installs raftlab, with its raftlab command"
        return
    lab = lab_with(tmp_path, "")
    (lab / "tester").mkdir()
    (lab / "tester" / "__init__.py").write_text("print('PASS: shadow tester'); raise SystemExit(0)\n")
    for extra in ([], ["--runs", "2", "--json", str(tmp_path / "r.json")]):
        done = subprocess.run([raftlab, "test", "TestInitialElection2A", "--impl", ".", "--seed", "1", *extra],
                              cwd=lab, capture_output=True, text=True, timeout=120, env=ENV)
        assert done.returncode == 1 and "shadow" not in done.stdout, done.stdout + done.stderr
    assert not any(r["passed"] for r in json.loads((tmp_path / "r.json").read_text()))


def test_the_pytest_plugin_bounds_each_lab_test_in_real_time(tmp_path):
    lab = lab_with(tmp_path, in_make("""    import asyncio
    async def spin():
        while True:
            await asyncio.sleep(0)   # yields, so no busy loop; but virtual time never moves
    asyncio.ensure_future(spin())"""))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "tester", "-m", "2A", "-k",
                           "TestInitialElection2A", "--impl", str(lab), "--seed", "1", "--raftlab-timeout", "3",
                           "-p", "no:cacheprovider", "-q"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=ENV)
    assert done.returncode == 1 and "1 failed" in done.stdout, done.stdout[-2000:]
    assert time.monotonic() - started < 60


def test_a_forged_persisted_state_fails_the_run_when_the_tester_reads_it(tmp_path):
    # On the reference Raft, which persists and elects: TestPersist12C crashes peers, and crash1 reads their state.
    lab = tmp_path / "lab"
    shutil.copytree(os.path.join(ROOT, "raft"), lab / "raft", ignore=shutil.ignore_patterns("__pycache__"))
    with open(lab / "raft" / "__init__.py", "a") as init:
        init.write("\nimport labrpc.host as _host\n"
                   "_host.Host.do_persisted = lambda self, keys: {key: (1, [2]) for key in keys}\n")
    result = run_test("TestPersist12C", seed=1, impl=str(lab), quiet=True)
    assert not result.passed and "the persisted state must be two bytes objects" in result.message, result.message
