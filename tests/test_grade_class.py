"""`raftlab grade` on a small class, as staff run it: the reference gets full marks, the template zero, each mutant
loses exactly the points of the tests that catch it, hostile submissions get zero without disturbing anyone else,
malformed entries get a row, and the database holds each run once."""
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from tests.grading_class import EXPECTED, HOSTILE, RUBRIC, build_class

RAFTLAB = [sys.executable, "-m", "tester.cli"]
# Small limits so that the hanging and flooding submissions cost seconds, not minutes.
ENV = dict(os.environ, RAFTLAB_BUSY_LIMIT="2", RAFTLAB_OUTPUT_LIMIT="1000000")


def raftlab(*args, cwd, timeout=600):
    return subprocess.run([*RAFTLAB, *map(str, args)], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole class, graded once: the folder, the command's result and the report folder."""
    home = tmp_path_factory.mktemp("course")
    build_class(home / "class")
    (home / "rubric.toml").write_text(RUBRIC)
    # an archive (Gradescope-style: one folder inside), a folder without raft/, a file that is not an archive
    shutil.make_archive(str(home / "class" / "zipped"), "zip", home / "class", "reference")
    (home / "class" / "empty").mkdir()
    (home / "class" / "empty" / "notes.txt").write_text("I ran out of time")
    (home / "class" / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    done = raftlab("grade", "class", "--rubric", "rubric.toml", "--db", "grades.sqlite", "--workers", 2, cwd=home)
    return home, done


def gradebook(home):
    with open(home / "grades-report" / "gradebook.csv", newline="") as f:
        return {row["student"] if "student" in row else row[next(iter(row))]: row for row in csv.DictReader(f)}


def test_grading_finishes_and_says_where_the_reports_are(graded):
    home, done = graded
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "grades-report" in done.stdout
    assert "cannot grade" in done.stdout and "broken" in done.stdout and "empty" in done.stdout
    assert "12 submission(s): 10 graded, 2 cannot be graded" in done.stdout.replace("\n", " ")
    assert "[10/10] " in done.stdout   # piped: a line per finished submission instead of a progress bar
    assert "Traceback" not in done.stdout + done.stderr


def test_students_see_their_own_folder_as_dot_never_the_graders_paths(graded):
    home, _ = graded
    db = sqlite3.connect(home / "grades.sqlite")
    leaks = db.execute("SELECT COUNT(*) FROM runs WHERE instr(message, ?) OR instr(log_tail, ?)",
                       (str(home), str(home))).fetchone()[0]
    assert leaks == 0
    hang = db.execute("SELECT message FROM runs WHERE submission = 'hangs' AND seed = 1 AND "
                      "test = 'TestInitialElection2A'").fetchone()[0]
    # the busy loop's own line comes first, not asyncio's frames
    assert "student code at ./raft/raft.py, line" in hang and "while True:" in hang.split("\n")[2], hang


def test_each_submission_gets_the_points_it_deserves(graded):
    home, _ = graded
    book = gradebook(home)
    expected = {**EXPECTED, "zipped": 30.0, "empty": 0.0, "broken": 0.0}
    assert {name: float(row["total"]) for name, row in book.items()} == expected
    # each mutant loses exactly the points of the tests that catch it
    assert (float(book["no_majority"]["election"]), float(book["no_majority"]["agreement"])) == (10, 10)
    assert (float(book["slow_election"]["election"]), float(book["slow_election"]["agreement"])) == (0, 20)


def test_malformed_entries_get_a_clear_row(graded):
    home, _ = graded
    book = gradebook(home)
    assert "raft" in book["empty"]["problem"] and "zip" in book["broken"]["problem"]
    assert book["reference"]["problem"] == ""


def test_the_database_holds_each_run_once_with_its_status(graded):
    home, _ = graded
    db = sqlite3.connect(home / "grades.sqlite")
    counts = dict(db.execute("SELECT submission, COUNT(*) FROM runs GROUP BY submission"))
    gradable = [name for name in EXPECTED] + ["zipped"]
    assert counts == {name: 8 for name in gradable}    # 4 tests x 2 seeds each, no more, no less
    statuses = dict(db.execute("SELECT submission, GROUP_CONCAT(DISTINCT status) FROM runs GROUP BY submission"))
    assert statuses["reference"] == "passed"
    assert set(statuses["hangs"].split(",")) <= {"failed", "timeout"}
    messages = {name: msg for name, msg in db.execute("SELECT submission, message FROM runs WHERE seed = 1 AND "
                                                      "test = 'TestInitialElection2A'")}
    assert "busy" in messages["hangs"] or "real time" in messages["hangs"], messages["hangs"]
    assert "exit" in messages["crashes"] and "fork" in messages["forks"]
    assert "output" in messages["floods"], messages["floods"]
    tail = db.execute("SELECT log_tail FROM runs WHERE submission = 'no_majority' AND status = 'failed'").fetchone()
    assert tail and tail[0].strip(), "a failing run keeps the tail of its log"


def test_the_tamperer_is_flagged_in_the_integrity_report(graded):
    home, _ = graded
    data = json.loads((home / "grades-report" / "grades.json").read_text())
    findings = {s["name"]: s["integrity"] for s in data["students"]}
    assert any("tester" in f["what"] and f["path"].endswith("raft.py") for f in findings["tampers"]), findings
    assert findings["reference"] == []


def test_grading_again_runs_nothing_and_a_changed_submission_is_graded_afresh(graded, tmp_path):
    home, _ = graded
    again = raftlab("grade", "class", "--rubric", "rubric.toml", "--db", "grades.sqlite", cwd=home)
    assert again.returncode == 0 and "0 run(s) now" in again.stdout, again.stdout[-2000:]
    code = home / "class" / "no_majority" / "raft" / "__init__.py"
    code.write_text(code.read_text().replace("from .mutant import make", "pass  # fixed:"))
    fixed = raftlab("grade", "class", "--rubric", "rubric.toml", "--db", "grades.sqlite", cwd=home)
    assert fixed.returncode == 0 and "8 run(s) now" in fixed.stdout, fixed.stdout[-2000:]
    assert float(gradebook(home)["no_majority"]["total"]) == 30


def test_reports_of_an_unfinished_grading_say_they_are_not_final(graded, tmp_path):
    home, _ = graded
    (home / "more.toml").write_text(RUBRIC.replace("seeds = [1]", "seeds = [1, 3]"))   # seed 3 never ran
    report = raftlab("grade", "report", "--db", "grades.sqlite", "--rubric", "more.toml", "--out", tmp_path / "r",
                     cwd=home)
    assert report.returncode == 1 and "NOT final" in report.stderr, report.stderr
    with open(tmp_path / "r" / "gradebook.csv", newline="") as f:
        book = {row["student"]: row for row in csv.DictReader(f)}
    assert book["reference"]["missing_runs"] == "4" and book["empty"]["missing_runs"] == "0"
    assert "Not final" in (tmp_path / "r" / "feedback" / "reference.md").read_text()


@pytest.mark.parametrize("args, words", [
    (["grade", "nowhere", "--rubric", "rubric.toml"], "nowhere is not a folder"),
    (["grade", "class/reference", "--rubric", "rubric.toml"], "holds raft/ itself"),
    (["grade", "void", "--rubric", "rubric.toml"], "void is empty"),
    (["grade", "class", "--rubric", "missing.toml"], "missing.toml: cannot read the rubric"),
    (["grade", "--check-rubric"], "give the rubric to check"),
    (["grade", "class", "--rubric", "rubric.toml", "--db", "no/such/g.sqlite"], "does not exist"),
    (["grade", "report", "--db", "none.sqlite"], "no grading database at none.sqlite"),
    (["grade", "gradescope-bundle", "rubric.toml", "-o", "no/such/a.zip"], "its folder no/such does not exist"),
    (["grade", "gradescope-bundle", "rubric.toml", "--install", "gone.whl"], "gone.whl"),
])
def test_a_wrong_path_is_a_usage_error_that_names_it(graded, args, words):
    home, _ = graded
    (home / "void").mkdir(exist_ok=True)
    done = raftlab(*args, cwd=home)
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (home / "no").exists() and not (home / "a.zip").exists()


def test_an_unwritable_report_folder_is_refused_before_any_database_is_made(graded):
    home, _ = graded
    (home / "taken").write_text("a file, not a folder")
    done = raftlab("grade", "class", "--rubric", "rubric.toml", "--db", "fresh.sqlite", "--out", "taken", cwd=home)
    assert done.returncode == 2 and "cannot create the report folder taken" in done.stderr
    assert not (home / "fresh.sqlite").exists()


def test_status_reads_the_database_alone(graded):
    home, _ = graded
    status = raftlab("grade", "--status", "--db", "grades.sqlite", cwd=home)
    assert status.returncode == 0
    assert "complete" in status.stdout and "cannot grade" in status.stdout
    assert "10/10 gradable submission(s) complete" in status.stdout.replace("\n", " "), status.stdout


def test_the_live_line_of_an_import_failure_shows_the_error_not_just_the_colon():
    from grading.live import headline
    message = ("importing raft failed:\n  File \"./raft/raft.py\", line 3\n    def f(:\n"
               "SyntaxError: invalid syntax\n")
    assert headline(message) == "importing raft failed: SyntaxError: invalid syntax"
    assert headline("expected one leader, got none\nmore detail") == "expected one leader, got none"
    assert headline("") == ""


def test_unsandboxed_a_submission_that_rewrites_the_grader_stops_the_grading(tmp_path):
    """Without bubblewrap a submission can write raftlab's files; one that patches grading/scoring.py (imported
    only after the runs) must stop the grading with exit status 3 and no reports, never a full score. Run against
    a throwaway copy of raftlab."""
    from tests.grading_class import ROOT
    install = tmp_path / "install"
    for package in ("labrpc", "tester", "raft", "kvraft", "student_template", "grading"):
        shutil.copytree(ROOT / package, install / package, ignore=shutil.ignore_patterns("__pycache__"))
    build_class(tmp_path / "class", ["template"])
    patch = ("import os, labrpc\n"
             "_root = os.path.dirname(os.path.dirname(os.path.realpath(labrpc.__file__)))\n"
             f"assert _root == {str(install)!r}, _root   # never write anywhere else\n"
             "with open(os.path.join(_root, 'grading', 'scoring.py'), 'a') as _f:\n"
             "    _f.write('\\nscore_item = lambda item, *a, **k: ItemScore(item.name, item.points, item.points, 1, 1)\\n')\n")
    with open(tmp_path / "class" / "template" / "raft" / "__init__.py", "a") as init:
        init.write("\n" + patch)
    (tmp_path / "rubric.toml").write_text('seeds = [1]\n[[item]]\nname = "a"\ntests = ["TestInitialElection2A"]\n'
                                          'points = 10\n')
    env = dict(ENV, RAFTLAB_SANDBOX="none", PYTHONPATH=str(install))
    done = subprocess.run([sys.executable, "-m", "tester.cli", "grade", str(tmp_path / "class"), "--rubric",
                           str(tmp_path / "rubric.toml")], cwd=install, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 3 and "STOPPED" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    assert "grading" in done.stdout and not (install / "grades-report" / "gradebook.csv").exists()


def test_a_second_grader_on_the_same_database_is_refused(graded):
    """Two graders would extract each other's archives under their feet (a correct student once got 0)."""
    from grading.store import Store
    home, _ = graded
    holder = Store(home / "grades.sqlite")
    holder.lock()
    try:
        second = raftlab("grade", "class", "--rubric", "rubric.toml", "--db", "grades.sqlite", cwd=home)
    finally:
        holder.close()
    assert second.returncode == 2 and "another raftlab grade is using grades.sqlite" in second.stderr
