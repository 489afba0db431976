"""Standard tools work on the tester: profilers, trace hooks and coverage run two lab tests in one process and end.

Before the fix, run()'s clean-up always called PyThreadState_SetAsyncExc(tid, NULL); on CPython 3.11 that leaves the
eval breaker set, and with any trace or profile hook installed the process then spun at 100% CPU forever from the
second test on. Each case runs in a subprocess with a timeout, in both places student code can run.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = ["TestInitialElection2A", "TestReElection2A", "--seed", "1"]
SETTRACE = ("import sys; sys.settrace(lambda frame, event, arg: None); sys.setprofile(lambda *a: None); "
            "from tester.cli import cli; cli(['test', *sys.argv[1:]], prog_name='raftlab')")
# The tools write their data into the test's own folder, never to os.devnull: coverage replaces its data file, and
# run as root (as CI runs) it deleted /dev/null and left a regular file in its place.
TOOLS = {
    "cProfile": [sys.executable, "-m", "cProfile", "-o", "{scratch}/profile", "-m", "tester.cli", "test"],
    "settrace": [sys.executable, "-c", SETTRACE],
    "coverage": [sys.executable, "-m", "coverage", "run", "--data-file", "{scratch}/coverage", "-m", "tester.cli",
                 "test"],
}


@pytest.mark.parametrize("where", [[], ["--in-process"]], ids=["isolated", "in-process"])
@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_lab_tests_finish_under_a_profiler_or_tracer(tool, where, tmp_path):
    env = dict(os.environ, PYTHONHASHSEED="0")
    command = [word.format(scratch=tmp_path) for word in TOOLS[tool]]
    done = subprocess.run(command + TESTS + where, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASS: 2 passed" in done.stdout
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)   # still the device
