"""The tamper suite: hostile submissions must never pass, whatever they do to the tester from the student side.

Each attack is a snippet in tests/tamper/ (its docstring says what it attacks), appended to the raft/__init__.py
of a fresh copy of the untouched student template. Every attack runs in the three ways a grade can be taken, each
in a subprocess with a timeout: a single run (`raftlab test TestInitialElection2A`), the parallel runner
(`raftlab test 2A --runs 2 --json`) and the pytest plugin (`pytest --pyargs tester -m 2A --junitxml`). Each must
show zero passing runs, and a failure message naming the cause (EXPECTED below, the one place to adjust wording).

These tests need the tester's isolation (student code in a child process of its own): against a tester that runs
student code in its own interpreter most of them fail, which is the point. test_in_process_mode_is_not_isolated
shows the other side: with `--in-process` (no isolation, for debugging) a cheat does get a pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNIPPETS = Path(__file__).resolve().parent / "tamper"
PACKAGES = ("labrpc", "tester", "raft", "kvraft", "student_template", "grading")   # a throwaway install's copy
TIMEOUT_S = 120            # per subprocess: a regression hangs no longer than this, and fails clearly
BOUND_S = TIMEOUT_S / 2    # every mode of every attack must be over well before its timeout
BUSY = {"RAFTLAB_BUSY_LIMIT": "2"}
SAFETY_AS, SAFETY_FSIZE = 8 << 30, 128 << 20   # soft caps on every process we start, in case isolation regresses

# attack -> (what the failure must say, case-insensitive; extra environment)
EXPECTED = {
    "import_tester": ("No module named 'tester'", {}),
    "sys_modules": ("expected one leader", {}),
    "gc_heap": ("expected one leader", {}),
    "task_frames": ("expected one leader", {}),
    "forge_fds": ("broke the protocol", {}),   # its forged bytes reach the student side's own report pipe
    "exit_import_sys": ("SystemExit", {}),
    "exit_import_os": ("exited", {}),
    "exit_task_sys": ("SystemExit", {}),
    "exit_task_os": ("exited", {}),
    "exit_handler_sys": ("SystemExit", {}),
    "exit_handler_os": ("exited", {}),
    "rewrite_tester": ("Read-only file system", {}),   # bwrap present (as in CI); without it the lead may differ
    "busy_one": ("busy loop", BUSY),
    "busy_two": ("busy loop", BUSY),
    "busy_all": ("busy loop", BUSY),
    "threads": ("thread", {}),
    "fork": ("fork", {}),
    "subprocess_run": ("subprocess", {}),
    "flood": ("output limit", {"RAFTLAB_OUTPUT_LIMIT": "8000000"}),
    "memory": ("memory", {}),
}
# Attacks that share a snippet: (snippet, the lines that set it up, prepended to it).
VARIANTS = {
    "busy_one": ("busy", "_TAMPER_SPINNING = {0}\n"),
    "busy_two": ("busy", "_TAMPER_SPINNING = {0, 1}\n"),
    "busy_all": ("busy", "_TAMPER_SPINNING = range(100)\n"),
    "exit_task_sys": ("exit_task", "from sys import exit as _tamper_exit\n"),
    "exit_task_os": ("exit_task", "from os import _exit as _tamper_exit\n"),
    "exit_handler_sys": ("exit_handler", "from sys import exit as _tamper_exit\n"),
    "exit_handler_os": ("exit_handler", "from os import _exit as _tamper_exit\n"),
}
# The original exploit passed every test after the first: a single run of a whole part too, for that one.
SINGLE_SELECTORS = {"import_tester": ("TestInitialElection2A", "2A")}
MODES = ("single", "runs", "pytest")


def test_every_snippet_has_an_expectation():
    snippets = {VARIANTS.get(attack, (attack, ""))[0] for attack in EXPECTED}
    assert snippets == {path.stem for path in SNIPPETS.glob("*.py")}


def build_submission(work: Path, attack: str | None, prelude: str = "") -> Path:
    """A copy of the student template in work/sub, with prelude and the attack's snippet appended to
    raft/__init__.py."""
    sub = work / "sub"
    shutil.copytree(REPO / "student_template", sub, ignore=shutil.ignore_patterns("__pycache__"))
    if attack is not None:
        snippet, setup = VARIANTS.get(attack, (attack, ""))
        with open(sub / "raft" / "__init__.py", "a") as init:
            init.write(f"\n\n# --- tamper snippet {attack} ---\n{prelude}{setup}" + (SNIPPETS / f"{snippet}.py").read_text())
    return sub


def _safety_limits() -> None:
    for limit, soft in ((resource.RLIMIT_AS, SAFETY_AS), (resource.RLIMIT_FSIZE, SAFETY_FSIZE)):
        _, hard = resource.getrlimit(limit)
        resource.setrlimit(limit, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def environment(extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    return {**env, "PYTHONHASHSEED": "0", "COLUMNS": "400", **extra}   # wide: no message wrapped mid-phrase


def run(args: list[str], *, cwd: Path, env: dict, log: Path) -> tuple[int, str]:
    """Run args in a session of its own, output to log; kill the whole session on timeout, and after it ends
    (a forked or leftover student process must not outlive its run)."""
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_safety_limits)
        try:
            proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass   # reported by the time bound below
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_S, (f"{' '.join(map(str, args))} took {elapsed:.0f} s (bound {BOUND_S:.0f} s, killed at "
                               f"{TIMEOUT_S} s); see {log}")
    return proc.returncode, log.read_text(errors="replace")


def cli(*words) -> list[str]:
    return [sys.executable, "-m", "tester.cli", "test", *map(str, words)]


def _plugin_args() -> list[str]:
    installed = any(ep.value == "tester.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "tester.pytest_plugin"]


def check_mode(mode: str, attack: str | None, sub: Path, work: Path, *, cwd: Path, env: dict) -> str:
    """Run sub in one mode, assert that no run passed, and return all the failure text there is (output, JSON
    messages, JUnit failures) for the caller to look for the cause in."""
    impl = ["--impl", sub, "--seed", "1"]
    if mode == "single":
        texts = []
        for n, selector in enumerate(SINGLE_SELECTORS.get(attack, ("TestInitialElection2A",))):
            status, text = run(cli(selector, *impl), cwd=cwd, env=env, log=work / f"single{n}.log")
            # The summary line ("FAIL: 2 passed, 1 failed, ..."): no test passed. Student output may be shown, but
            # never as a line that reads like the verdict (a "PASS:" line is a pass, or a forgery on display).
            summaries = re.findall(r"^(PASS|FAIL): (\d+) passed", text, re.MULTILINE)
            no_pass = status != 0 and all(verdict == "FAIL" and passed == "0" for verdict, passed in summaries)
            assert no_pass, f"raftlab test {selector}: a pass (status {status}):\n{text}"
            texts.append(text)
        return "\n".join(texts)
    if mode == "runs":
        runs_json = work / "runs.json"
        status, text = run(cli("2A", *impl, "--runs", 2, "--workers", 1, "--output", work / "out", "--json", runs_json),
                           cwd=cwd, env=env, log=work / "runs.log")
        assert status != 0, f"raftlab test 2A --runs 2: status 0:\n{text}"
        assert runs_json.exists(), f"no {runs_json}:\n{text}"
        records = json.loads(runs_json.read_text())
        assert not [r for r in records if r["status"] == "passed"], f"passing runs in {runs_json}:\n{text}"
        return "\n".join([text] + [r["message"] for r in records])
    junit = work / "J.xml"
    status, text = run([sys.executable, "-m", "pytest", "--pyargs", "tester", "-m", "2A", *map(str, impl),
                        "-p", "no:cacheprovider", *_plugin_args(), f"--junitxml={junit}", "-q"],
                       cwd=cwd, env=env, log=work / "pytest.log")
    assert status != 0, f"pytest -m 2A: status 0:\n{text}"
    assert junit.exists(), f"no {junit}:\n{text}"
    cases = list(ET.parse(junit).iter("testcase"))
    verdicts = [[child for child in case if child.tag in ("failure", "error")] for case in cases]
    assert cases and all(verdicts), f"passing testcases in {junit}:\n{text}"
    return "\n".join([text] + [f"{v.get('message', '')}\n{v.text or ''}" for found in verdicts for v in found])


def assert_names(cause: str, evidence: str) -> None:
    def flat(text: str) -> str:
        return " ".join(text.split()).lower()
    assert flat(cause) in flat(evidence), f"the failure does not say {cause!r}:\n{evidence[-6000:]}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attack", [name for name in EXPECTED if name != "rewrite_tester"])
def test_attack_never_passes(attack, mode, tmp_path_factory):
    # Neutral directory names: paths show up in messages (replay commands) and must not contain the words we seek.
    work = tmp_path_factory.mktemp("w")
    cause, extra = EXPECTED[attack]
    evidence = check_mode(mode, attack, build_submission(work, attack), work, cwd=REPO, env=environment(extra))
    assert_names(cause, evidence)


def tree_hashes(root: Path, names=PACKAGES) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for name in names for path in sorted((root / name).rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


@pytest.mark.parametrize("mode", MODES)
def test_rewrite_tester_cannot_change_raftlab(mode, tmp_path_factory):
    """rewrite_tester writes into raftlab's own files: run it against a throwaway copy of raftlab only."""
    repo_before = tree_hashes(REPO)
    work = tmp_path_factory.mktemp("w")
    install = (work / "install").resolve()
    for name in PACKAGES:
        shutil.copytree(REPO / name, install / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = environment({"PYTHONPATH": str(install), **EXPECTED["rewrite_tester"][1]})
    status, text = run([sys.executable, "-c", "import labrpc, tester; print(tester.__file__); print(labrpc.__file__)"],
                       cwd=install, env=env, log=work / "where.log")
    assert status == 0 and all(line.startswith(str(install)) for line in text.split()), text
    targets_before = tree_hashes(install, ("tester", "labrpc"))

    prelude = f"_TAMPER_THROWAWAY_ROOT = {str(install)!r}   # the snippet writes nowhere else\n"
    sub = build_submission(work, "rewrite_tester", prelude)
    evidence = check_mode(mode, "rewrite_tester", sub, work, cwd=install, env=env)
    assert_names(EXPECTED["rewrite_tester"][0], evidence)
    assert tree_hashes(install, ("tester", "labrpc")) == targets_before, "the submission changed raftlab's files"
    again = work / "again"   # the next submission, the untouched template, in a fresh process: still no pass
    again.mkdir()
    check_mode("single", None, build_submission(again, None), again, cwd=install, env=env)
    assert tree_hashes(REPO) == repo_before, "the repository's own files changed"


def test_in_process_mode_is_not_isolated(tmp_path_factory):
    """THE CONTROL, NOT AN ATTACK: `raftlab test --in-process` (debugging only) runs student code unisolated.

    In-process the import_tester cheat must still work (a test after the first passes), which shows that the
    attacks above fail because of the isolation, and that this suite would notice if it were lost."""
    work = tmp_path_factory.mktemp("w")
    sub = build_submission(work, "import_tester")
    status, text = run(cli("TestInitialElection2A", "TestReElection2A", "--impl", sub, "--seed", 1, "--in-process"),
                       cwd=REPO, env=environment({}), log=work / "in-process.log")
    assert re.search(r"\b[1-9]\d* passed", text), f"the in-process cheat got no pass (status {status}):\n{text}"
