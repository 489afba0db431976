"""Student code in a process of its own (tester.students): same runs, same verdicts, same traces as in-process,
one deterministic sequence of events per seed across runs and processes, and the clock still real when asked."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tester.run_one import run_test
from tester.students.sandbox import sandbox_mode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [("TestFigure8Unreliable2C", 3), ("TestUnreliableOneKey3A", 2)]


def hash_in_a_new_process(test: str, seed: int, in_process: bool) -> str:
    code = ("import sys; from tester.run_one import run_test; "
            "r = run_test(sys.argv[1], seed=int(sys.argv[2]), quiet=True, in_process=sys.argv[3] == '1'); "
            "print(r.passed, r.trace_hash)")
    done = subprocess.run([sys.executable, "-c", code, test, str(seed), "1" if in_process else "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, PYTHONHASHSEED="0"))
    passed, trace = done.stdout.split()
    assert passed == "True", done.stdout + done.stderr
    return trace


@pytest.mark.parametrize("in_process", [False, True], ids=["isolated", "in-process"])
@pytest.mark.parametrize("test, seed", CASES)
def test_one_seed_gives_one_trace_across_runs_and_processes(test, seed, in_process):
    first = run_test(test, seed=seed, quiet=True, in_process=in_process)
    second = run_test(test, seed=seed, quiet=True, in_process=in_process)
    assert first.passed and second.passed, first.message + second.message
    assert first.trace_hash == second.trace_hash == hash_in_a_new_process(test, seed, in_process)
    assert run_test(test, seed=seed + 1, quiet=True, in_process=in_process).trace_hash != first.trace_hash


@pytest.mark.parametrize("test", ["TestBasicAgree2B", "TestFailAgree2B", "TestPersist12C"])
def test_on_a_reliable_network_both_modes_make_the_same_calls(test):
    # Events at one virtual instant are recorded in another order when the peers run elsewhere (and on an unreliable
    # network that order decides the draws), but with nothing drawn the runs make the same calls, byte for byte.
    isolated = run_test(test, seed=2, quiet=True)
    here = run_test(test, seed=2, quiet=True, in_process=True)
    assert isolated.passed and here.passed
    assert (isolated.rpcs, isolated.bytes) == (here.rpcs, here.bytes)


def test_the_real_clock_still_works_on_the_student_side():
    result = run_test("TestInitialElection2A", seed=2, quiet=True, clock="real")
    assert result.passed, result.message
    assert 2.5 < result.real_s < 30   # three 450-549 ms rounds and more: real time did pass


def test_a_crash_in_student_code_names_peer_time_and_line(tmp_path):
    lab = tmp_path / "lab"
    subprocess.run([sys.executable, "-m", "tester.cli", "init", str(lab)], cwd=ROOT, check=True,
                   capture_output=True)
    raft = lab / "raft" / "raft.py"
    raft.write_text(raft.read_text().replace("    def get_state(self)", "    def get_state(self):\n"
                                             "        return {}['no such key']\n\n    def _unused(self)"))
    result = run_test("TestInitialElection2A", seed=1, impl=str(lab), quiet=True)
    assert not result.passed
    # the first round of check_one_leader asks at 450-549 ms; the traceback shows the student's own file and line
    assert re.search(r"S0 at 0\.[45]\d\d s: Raft.get_state\(\) raised KeyError: 'no such key'", result.message)
    assert f'File "{raft}", line' in result.message


def test_the_sandbox_is_used_where_bubblewrap_is_installed():
    # CI installs bubblewrap: there, the sandboxed path must be the one tested; elsewhere the fallback must be chosen
    expected = "bwrap" if os.environ.get("CI") or shutil.which("bwrap") else "none"
    assert sandbox_mode() == expected


def reference_copy(folder) -> str:
    os.makedirs(folder)
    shutil.copytree(os.path.join(ROOT, "raft"), os.path.join(folder, "raft"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    return str(folder)


def test_bytecode_beside_the_source_never_runs_instead_of_it(tmp_path):
    """A .pyc compiled from other code, marked never to be checked against its source, sits in __pycache__: the
    source (what the grader scans and hashes) is what runs."""
    import py_compile
    sub = reference_copy(tmp_path / "sub")
    hostile = tmp_path / "hostile.py"
    hostile.write_text("def make(*args):\n    raise RuntimeError('hidden code ran')\n")
    init = os.path.join(sub, "raft", "__init__.py")
    py_compile.compile(str(hostile), cfile=importlib_cache(init), dfile=init,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    result = run_test("TestInitialElection2A", seed=1, impl=sub, quiet=True)
    assert result.passed, result.message


def importlib_cache(source: str) -> str:
    import importlib.util
    return importlib.util.cache_from_source(source)


@pytest.mark.skipif(sandbox_mode() != "bwrap", reason="the sandbox's mounts (CI has bubblewrap: see above)")
@pytest.mark.parametrize("path", ["/root/fill", "/fill", "/opt/raftlab-hidden/fill"])
def test_in_the_sandbox_only_capped_ram_disks_are_writable(tmp_path, path):
    """Writes outside /tmp, /dev/shm and the scratch folder (each a capped RAM disk) would fill uncapped memory:
    the sandbox's root, and folders that exist only there (where the tester's hidden install may lie)."""
    sub = reference_copy(tmp_path / "sub")
    with open(os.path.join(sub, "raft", "__init__.py"), "a") as init:
        init.write(f"\nimport os as _os\n_os.makedirs(_os.path.dirname({path!r}), exist_ok=True)\n"
                   f"with open({path!r}, 'wb') as _f:\n    _f.write(bytes(1 << 20))\n")
    result = run_test("TestInitialElection2A", seed=1, impl=sub, quiet=True)
    assert not result.passed and "Read-only file system" in result.message, result.message
