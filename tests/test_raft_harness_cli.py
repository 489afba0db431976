"""`raftlab test`, --impl loading and the pytest plugin: exit statuses, replay commands, clear errors."""

import importlib.metadata
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from tester.cli import cli as main
from tester.impl import REFERENCE_ROOT, ImplError, load_impl

NEVER_ELECTS = """
    class Raft:
        def __init__(self, peers, me, persister, apply_ch):
            self.me = me
        def get_state(self):
            return 0, False
        def start(self, command):
            return -1, 0, False
        def snapshot(self, index, snapshot):
            pass
        def kill(self):
            pass

    def make(peers, me, persister, apply_ch):
        return Raft(peers, me, persister, apply_ch)
"""


@pytest.fixture
def restore_imports():
    """Tests that load another `raft` put the process's import state back afterwards."""
    modules = {k: v for k, v in sys.modules.items() if k.split(".")[0] in ("raft", "kvraft")}
    path = list(sys.path)
    yield
    for name in [k for k in sys.modules if k.split(".")[0] in ("raft", "kvraft")]:
        del sys.modules[name]
    sys.modules.update(modules)
    sys.path[:] = path


def write(root, files: dict):
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def student(tmp_path, restore_imports):
    return write(tmp_path / "student", {
        "raft/__init__.py": NEVER_ELECTS,
        "kvraft/__init__.py": "import raft\nWHICH_RAFT = raft.__file__\ndef start_kv_server(*args):\n    pass\n"})


def test_cli_passes_with_exit_status_zero():
    result = CliRunner().invoke(main, ["test", "TestBasicAgree2B", "TestInitialElection2A", "--seed", "5"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["Test (2A): initial election ...", lines[1]] and "Passed --" in lines[1]
    assert "seed=5" in lines[1] and "Test (2B): basic agreement ..." in lines
    assert "PASS: 2 passed, 0 failed" in result.output


def test_cli_runs_seeds_n_and_up_and_fails_with_the_replay_command(student, tmp_path):
    result = CliRunner().invoke(main, ["test", "TestInitialElection2A", "--impl", str(student), "--seed", "7",
                                       "--runs", "2", "--output", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("expected one leader, got none") == 4   # as each failure happens, and in the summary
    for seed in (7, 8):
        assert f"raftlab replay TestInitialElection2A --seed {seed} --impl {student}" in result.output
    assert "FAIL (2 failing): 0/2 runs passed" in result.output


def test_cli_rejects_unknown_selectors_and_missing_implementations(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["test", "2E"])
    assert result.exit_code == 2 and "unknown test selector '2E'" in result.output
    result = runner.invoke(main, ["test", "2A", "--impl", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no such directory" in result.output
    result = runner.invoke(main, ["test", "2A", "--impl", str(tmp_path)])
    assert result.exit_code == 2 and "holds neither raft/ nor kvraft/" in result.output


def test_a_student_directory_comes_first_so_its_kvraft_imports_its_raft(student):
    impl = load_impl(str(student))
    assert impl.raft.__file__ == str(student / "raft" / "__init__.py")
    assert impl.kvraft.WHICH_RAFT == str(student / "raft" / "__init__.py")
    reference = load_impl(None)   # switching back purges the student's modules
    assert reference.raft.__file__ == f"{REFERENCE_ROOT}/raft/__init__.py"
    assert str(student) not in sys.path


def test_impl_errors_say_what_is_missing(tmp_path, restore_imports):
    write(tmp_path / "nomake", {"raft/__init__.py": "x = 1\n"})
    with pytest.raises(ImplError, match=r"raft \(.*nomake/raft/__init__.py\) has no make\(\) function"):
        load_impl(str(tmp_path / "nomake")).raft
    write(tmp_path / "raftonly", {"raft/__init__.py": NEVER_ELECTS})
    with pytest.raises(ImplError, match=r"it has no kvraft/ folder .*raftonly/kvraft/__init__.py"):
        load_impl(str(tmp_path / "raftonly")).kvraft
    write(tmp_path / "broken", {"raft/__init__.py": "def make(:\n"})
    with pytest.raises(ImplError, match="(?s)importing raft from .*broken failed:.*SyntaxError"):
        load_impl(str(tmp_path / "broken")).raft
    with pytest.raises(ImplError, match="no such directory or module"):
        load_impl("no_such_mutant_module")


def test_a_dotted_module_replaces_raft_only(tmp_path, monkeypatch, restore_imports):
    write(tmp_path, {"harness_mutant_never_elects.py": NEVER_ELECTS, "harness_not_an_impl.py": "x = 1\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    impl = load_impl("harness_mutant_never_elects")
    assert impl.raft.__name__ == "harness_mutant_never_elects"
    assert impl.kvraft.__file__ == f"{REFERENCE_ROOT}/kvraft/__init__.py"
    with pytest.raises(ImplError, match="defines neither make"):
        load_impl("harness_not_an_impl")


def test_pytest_runs_lab_tests_by_part_marker(tmp_path):
    installed = any(ep.name == "raftlab" for ep in importlib.metadata.entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "tester.pytest_plugin"]
    command = [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", "--pyargs", "tester.lab2_tests",
               "-m", "2B", "-k", "BasicAgree or Count", "--seed", "9", "-q"]
    done = subprocess.run(command, cwd=REFERENCE_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed, 11 deselected" in done.stdout


@pytest.mark.parametrize("marker, chosen", [("2x", "TestElectableAmongStalePeers2X"),
                                            ("beyond", "TestVoteSurvivesRestart2X")])
def test_pytest_markers_take_parts_in_either_case_and_labs(marker, chosen):
    installed = any(ep.name == "raftlab" for ep in importlib.metadata.entry_points(group="pytest11"))
    plugin = [] if installed else ["-p", "tester.pytest_plugin"]
    command = [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", "--pyargs", "tester",
               "-m", marker, "--collect-only", "-q"]
    done = subprocess.run(command, cwd=REFERENCE_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert any(chosen in line for line in collected)
    assert not any(line.endswith(("2A", "2B", "3A")) for line in collected)


def test_switching_back_to_the_reference_forgets_modules_bound_to_a_students_raft(tmp_path, restore_imports):
    left_behind = write(tmp_path / "left", {"raft/__init__.py": NEVER_ELECTS})
    sys.path.insert(0, str(left_behind))   # a folder with a raft/ that other code put first on sys.path
    lab2_only = write(tmp_path / "lab2only", {"raft/__init__.py": NEVER_ELECTS})
    assert load_impl(str(lab2_only)).raft.__file__ == str(lab2_only / "raft" / "__init__.py")
    import kvraft.server   # the reference kvraft, imported while the student's raft is the cached one
    assert kvraft.server.raft.__file__.startswith(str(lab2_only))
    reference = load_impl(None)
    assert reference.kvraft.server.raft.__file__ == f"{REFERENCE_ROOT}/raft/__init__.py"
