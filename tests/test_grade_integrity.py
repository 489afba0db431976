"""The integrity report: the static scan finds each hostile line at its place and nothing in the reference, never
raises on a bad file; near-identical submissions are paired (renamed variables or not), the template is not."""

import os
import re
import shutil
from pathlib import Path

from grading.integrity import TEMPLATE, scan, similar_pairs
from grading.model import Finding

REPO = Path(__file__).resolve().parents[1]
SKIP_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")

# Each line ends with the finding it must give ("# -> what"), or none.
HOSTILE = '''\
import ctypes  # -> imports ctypes
import gc, inspect  # -> imports gc | imports inspect
import os as o
import sys
import tester.testing  # -> imports tester.testing
from grading import scoring  # -> imports grading
from importlib import import_module  # -> imports importlib
from os import _exit as bye  # -> imports os._exit
from labrpc import guards  # -> imports labrpc.guards
import labrpc
from . import election
import threading, socket, subprocess  # -> imports threading | imports socket | imports subprocess
import multiprocessing.pool, signal  # -> imports multiprocessing.pool | imports signal


def make(peers, me, persister, apply_ch):
    frame = sys._getframe(1)  # -> calls sys._getframe
    caller = frame.f_back.f_globals  # -> uses frame attribute f_back | uses frame attribute f_globals
    sys.modules["tester"] = None  # -> uses sys.modules
    o._exit(0)  # -> calls os._exit
    bye(3)  # -> calls os._exit
    o.system("true")  # -> calls os.system
    o.kill(1, 9)  # -> calls os.kill
    exec("x = 1")  # -> calls exec
    value = eval("1 + 1")  # -> calls eval
    code = compile("1", "f", "eval")  # -> calls compile
    mod = __import__("tester")  # -> calls __import__
    with open("/tmp/out.txt", "w") as out:  # -> opens a file for writing
        out.write("x")
    open(persister.path, mode="a+")  # -> opens a file for writing
    globals()["fatalf"] = None  # -> writes to globals()
    globals().update(x=1)  # -> writes to globals()
    __builtins__["print"] = None  # -> uses __builtins__
    labrpc.network.Network.carry = None  # -> changes labrpc.network.Network.carry
    setattr(labrpc, "run", None)  # -> changes an attribute of labrpc (setattr)
    task = apply_ch.cr_frame  # -> uses frame attribute cr_frame
    getattr(make, "__globals__")  # -> uses __globals__ (through getattr)
    make.__code__ = None  # -> uses __code__
'''

# Honest code that looks a little like the above: no findings.
HONEST = '''\
import re
import os
import random
from labrpc import ApplyMsg

import raft


def compile(pattern):
    return re.compile(pattern)


class Node:
    def __init__(self, name):
        self.name = name
        setattr(self, "term", 0)
        raft.DEBUG = True
        with open(os.path.join("a", "b")) as source:
            self.text = source.read()
        with self.archive.open("raft.py") as member:
            self.member = member
        self.pattern = compile("x+")
        self.rng = random.Random(os.environ.get("SEED", "1"))
'''


def expected(text, path):
    found = set()
    for number, line in enumerate(text.splitlines(), 1):
        if "# -> " in line:
            found |= {Finding(path, number, what) for what in line.split("# -> ")[1].split(" | ")}
    return found


def test_each_hostile_line_is_found_at_its_line(tmp_path):
    (tmp_path / "raft").mkdir()
    (tmp_path / "raft" / "evil.py").write_text(HOSTILE)
    (tmp_path / "raft" / "raft.py").write_text(HONEST)
    findings = scan(tmp_path)
    assert set(findings) == expected(HOSTILE, "raft/evil.py")
    assert len(findings) == len(set(findings))                      # each once
    assert findings == sorted(findings, key=lambda f: (f.path, f.line, f.what))


def test_the_reference_and_the_template_have_no_findings(tmp_path):
    for package in ("raft", "kvraft"):
        shutil.copytree(REPO / package, tmp_path / "reference" / package, ignore=SKIP_CACHES)
    assert scan(tmp_path / "reference") == []
    assert scan(TEMPLATE) == []


def test_a_file_that_does_not_parse_is_one_finding_never_an_exception(tmp_path, recwarn):
    files = {
        "syntax.py": b"def broken(:\n    pass\n",
        "binary.py": bytes(range(256)) * 8,
        "latin1.py": b"name = '\xe9t\xe9'\n",
        "deep.py": b"x = " + b"(" * 5000 + b")" * 5000 + b"\n",
        "chain.py": b"import os\nx = os" + b".a" * 5000 + b"\n",
        "empty.py": b"",
        "escapes.py": b"import re\nnumber = re.compile('\\d+')\n",        # a DeprecationWarning to parse: kept quiet
        "declared.py": b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nimport gc\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "cached.py").write_text("import ctypes\n")
    findings = {f.path: f for f in scan(tmp_path)}
    assert set(findings) == {"syntax.py", "binary.py", "latin1.py", "deep.py", "chain.py", "declared.py"}
    assert findings["syntax.py"] == Finding("syntax.py", 1, "does not parse: SyntaxError: invalid syntax")
    for name in ("binary.py", "latin1.py", "deep.py", "chain.py"):
        assert findings[name].what.startswith("does not parse: "), findings[name]
    assert findings["declared.py"] == Finding("declared.py", 3, "imports gc")
    assert [str(warning.message) for warning in recwarn] == []


def renamed(text):
    """The same code with its identifiers renamed and its comments changed: what a copier does first."""
    for old, new in (("current_term", "my_term"), ("voted_for", "my_vote"), ("commit_index", "committed_upto"),
                     ("last_applied", "applied_upto"), ("peers", "others"), ("args", "request"),
                     ("reply", "response"), ("entries", "items")):
        text = re.sub(rf"\b{old}\b", new, text)
    return re.sub(r"#.*", "# mine", text)


def test_similar_pairs_finds_a_renamed_copy_and_not_the_template(tmp_path, capfd, monkeypatch):
    for package in ("raft", "kvraft"):
        shutil.copytree(REPO / package, tmp_path / "alice" / package, ignore=SKIP_CACHES)
        shutil.copytree(TEMPLATE / package, tmp_path / "carol" / package, ignore=SKIP_CACHES)
        shutil.copytree(TEMPLATE / package, tmp_path / "dave" / package, ignore=SKIP_CACHES)
        for path in (REPO / package).glob("*.py"):
            copy = tmp_path / "bob" / package / path.name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(renamed(path.read_text()))
    assert (tmp_path / "bob" / "raft" / "raft.py").read_text() != (REPO / "raft" / "raft.py").read_text()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    roots = {name: tmp_path / name for name in ("alice", "bob", "carol", "dave")}

    pairs = similar_pairs(roots)

    assert [(a, b) for a, b, _ in pairs] == [("alice", "bob")]
    assert 0.9 <= pairs[0][2] <= 1.0
    # The untouched templates have no code of their own once the template is boilerplate: never paired.
    assert [(a, b) for a, b, _ in similar_pairs(roots, threshold=0.0)] == [("alice", "bob")]
    raw = similar_pairs(roots, threshold=0.0, boilerplate=None)
    scores = {(a, b): score for a, b, score in raw}
    assert scores[("carol", "dave")] == 1.0                         # what the boilerplate option removes
    assert scores[("alice", "carol")] < 0.5                         # the reference is no copy of the template
    assert [score for _, _, score in raw] == sorted((score for _, _, score in raw), reverse=True)
    assert similar_pairs({"alice": roots["alice"]}) == [] and similar_pairs({}) == []
    assert capfd.readouterr() == ("", "")                           # no progress bars, no warnings
    assert list(cwd.iterdir()) == []                                # no report.html left behind


def test_a_fifo_is_never_opened_and_compiled_files_are_named(tmp_path):
    root = tmp_path / "sub"
    shutil.copytree(Path(__file__).resolve().parents[1] / "raft", root / "raft",
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.mkfifo(root / "raft" / "evil.py")           # opening it would block the grader forever
    (root / "raft" / "hidden.pyc").write_bytes(b"\0")
    (root / "raft" / "native.so").write_bytes(b"\0")
    findings = scan(root)
    assert {(f.path, f.line) for f in findings} == {("raft/hidden.pyc", 0), ("raft/native.so", 0)}
    assert all("compiled file" in f.what for f in findings)
