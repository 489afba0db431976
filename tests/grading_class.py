"""A small class of fixture submissions for the grading tests, built from the reference, the template, mutants and
hostile variants.

    build_class(folder, names=None) -> {name: what it is}   one student folder per name (default: all of KINDS)
    RUBRIC: a rubric small enough for CI: 2 items, 4 tests, seed 1 visible and seed 2 hidden
    EXPECTED: the total each kind must get under RUBRIC
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUBRIC = """\
title = "fixture class"
timeout = 20
seeds = [1]
hidden_seeds = [2]

[[item]]
name = "election"
tests = ["TestInitialElection2A", "TestReElection2A"]
points = 10

[[item]]
name = "agreement"
tests = ["TestBasicAgree2B", "TestFailNoAgree2B"]
points = 20
rule = "proportional"
"""

# Code put at the top of make(): what each hostile submission does there.
HOSTILE = {
    "hangs": "while True:\n        pass",
    "crashes": "import os\n    os._exit(0)",
    "forks": "import os\n    os.fork()",
    "floods": "while True:\n        print('x' * 10000)",
    "tampers": ("import sys\n    try:\n        import tester.testing\n        tester.testing.T.fail = lambda *a, **k: None\n"
                "    except ImportError:\n        pass\n    for name in list(sys.modules):\n"
                "        if 'tester' in name:\n            del sys.modules[name]\n    sys.exit(0)"),
}
MUTANTS = {"slow_election": "raft_slow_election", "no_majority": "raft_commit_without_majority"}
KINDS = ["reference", "template", *MUTANTS, *HOSTILE]
# election: 10 points, all-or-nothing; agreement: 20 points, proportional over 4 runs (2 tests x 2 seeds).
# slow_election fails both election tests (no leader in time) and nothing else; no_majority fails FailNoAgree2B
# on both seeds, so half of agreement.
EXPECTED = {"reference": 30.0, "template": 0.0, "slow_election": 20.0, "no_majority": 20.0,
            **{kind: 0.0 for kind in HOSTILE}}


def _reference(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "raft", target / "raft", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def build_class(folder: Path, names=None) -> dict[str, str]:
    """Write one student folder per kind into `folder`; returns {student name: kind}."""
    made = {}
    for kind in names or KINDS:
        student = folder / kind
        if kind == "template":
            student.mkdir(parents=True)
            shutil.copytree(ROOT / "student_template" / "raft", student / "raft",
                            ignore=shutil.ignore_patterns("__pycache__"))
        elif kind in MUTANTS:
            _reference(student)
            shutil.copy(ROOT / "tests" / "mutants" / f"{MUTANTS[kind]}.py", student / "raft" / "mutant.py")
            with open(student / "raft" / "__init__.py", "a") as init:
                init.write("\nfrom .mutant import make  # noqa: E402,F811  the bug, in place of the reference's\n")
        elif kind in HOSTILE:
            _reference(student)
            code = (student / "raft" / "raft.py").read_text()
            head = "def make(peers, me: int, persister, apply_ch: asyncio.Queue) -> Raft:\n"
            assert head in code, "the reference's make() moved: update tests/grading_class.py"
            code = code.replace(head, head + "    " + HOSTILE[kind] + "\n", 1)
            (student / "raft" / "raft.py").write_text(code)
        else:
            _reference(student)
        made[kind] = kind
    return made
