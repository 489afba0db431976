"""Gradescope mode: results.json from a grade, its validation against the documented fields, the bundle."""

import copy
import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from grading.gradescope import (autograder_paths, failure_results, results_json, validate_results, write_bundle,
                                write_results)
from grading.model import ItemScore, RunRow, StudentGrade, Submission
from grading.rubric import RubricError, parse_rubric

RUBRIC = """\
title = "lab 2A"
seeds = [1, 2]
hidden_seeds = [7001]
[[item]]
name = "election"
tests = ["TestInitialElection2A"]
points = 10
[[item]]
name = "re-election"
tests = ["TestReElection2A"]
points = 20
rule = "proportional"
hidden_seeds = []
"""
SECRET = "SECRET-HIDDEN-DETAIL"


def rubric():
    return parse_rubric(RUBRIC)


def submission(problem=""):
    return Submission("alice", Path("alice"), None if problem else Path("alice"), "" if problem else "abc", problem)


def row(test, seed, hidden, message, status="failed"):
    return RunRow("alice", "abc", test, seed, hidden, status, message)


def full_marks():
    return StudentGrade(submission(), [ItemScore("election", 10, 10, 3, 3), ItemScore("re-election", 20, 20, 2, 2)])


def partial():
    long_message = "\n".join(f"line {n}" for n in range(1, 21))
    election = ItemScore("election", 0, 10, 3, 1, [row("TestInitialElection2A", 2, False, long_message),
                                                   row("TestInitialElection2A", 7001, True, SECRET + "\nmore")])
    reelection = ItemScore("re-election", 10, 20, 2, 1,
                           [row("TestReElection2A", 1, False, "bad \ud800 \x1b[31m\r\nend", "timeout")])
    return StudentGrade(submission(), [election, reelection])


def test_full_marks_every_item_passed_and_valid():
    data = results_json(full_marks(), rubric(), execution_time=12.4)
    assert validate_results(data) == []
    assert data["score"] == 30 and data["execution_time"] == 12
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in visible] == [
        ("election", 10, 10, "passed"), ("re-election", 20, 20, "passed")]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert [(t["name"], t["score"], t["max_score"], t["status"], t["visibility"]) for t in hidden] == [
        ("election (hidden seeds)", 0, 0, "passed", "after_published")]   # only the item with hidden seeds


def test_partial_grade_keeps_hidden_details_after_published():
    grade = partial()
    data = results_json(grade, rubric(), execution_time=3)
    assert validate_results(data) == []
    assert data["score"] == grade.total == 10
    election, election_hidden, reelection = data["tests"]
    assert (election["score"], election["max_score"], election["status"]) == (0, 10, "failed")
    assert "FAILED TestInitialElection2A, seed 2" in election["output"]
    assert "raftlab replay TestInitialElection2A --seed 2 --impl ." in election["output"]
    assert "line 12" in election["output"] and "line 13" not in election["output"]
    assert "Failing runs on hidden seeds: 1 (" in election["output"]
    visible_text = data["output"] + "".join(t["output"] for t in data["tests"] if t["visibility"] == "visible")
    assert SECRET not in visible_text and "7001" not in visible_text
    assert election_hidden["visibility"] == "after_published"
    assert (election_hidden["score"], election_hidden["max_score"], election_hidden["status"]) == (0, 0, "failed")
    assert SECRET in election_hidden["output"] and "1 of 1 runs failed" in election_hidden["output"]
    assert "raftlab replay TestInitialElection2A --seed 7001 --impl ." in election_hidden["output"]
    assert (reelection["score"], reelection["status"]) == (10, "failed")   # proportional: half the points


def test_output_is_json_safe_text():
    data = results_json(partial(), rubric(), execution_time=0)
    text = data["tests"][2]["output"]
    assert "\x1b" not in text and "\r" not in text and "\ufffd" in text and "end" in text
    json.dumps(data, ensure_ascii=False).encode("utf-8")   # a lone surrogate would raise here


def test_problem_submission_scores_zero_and_says_why():
    grade = StudentGrade(submission("no raft/ folder found"),
                         [ItemScore("election", 0, 10, 0, 0), ItemScore("re-election", 0, 20, 0, 0)])
    data = results_json(grade, rubric(), execution_time=1)
    assert validate_results(data) == []
    assert data["score"] == 0 and "no raft/ folder found" in data["output"]
    assert [t["status"] for t in data["tests"]] == ["failed", "failed"]


def test_validate_rejects_broken_results():
    good = results_json(partial(), rubric(), execution_time=1)

    def broken(change):
        data = copy.deepcopy(good)
        change(data)
        return " ".join(validate_results(data))

    def no_score(data):
        del data["score"]
        del data["tests"][0]["score"]
    assert "results.score: missing" in broken(no_score)
    assert broken(lambda d: d["tests"][0].update(status="ok")).startswith("tests[0].status")
    assert broken(lambda d: d["tests"][1].update(visibility="later")).startswith("tests[1].visibility")
    assert broken(lambda d: d.update(stdout_visibility="public")).startswith("results.stdout_visibility")
    assert "above max_score" in broken(lambda d: d["tests"][0].update(score=11))
    assert "must be a number" in broken(lambda d: d.update(score="10"))
    assert "must be a string" in broken(lambda d: d["tests"][0].update(output=None))
    assert "control character" in broken(lambda d: d.update(output="a\x00b"))
    assert "unknown key 'scor'" in broken(lambda d: d.update(scor=1))
    assert validate_results([]) == ["results: must be a JSON object, not list"]
    assert validate_results({"tests": [{"score": 1, "max_score": 2}]}) == []   # per-test scores suffice


def test_write_results_and_failure_results(tmp_path):
    submission_dir, results_file, source_dir = autograder_paths(tmp_path)
    assert (submission_dir, source_dir) == (tmp_path / "submission", tmp_path / "source")
    write_results(failure_results("the rubric is broken", execution_time=2), results_file)
    data = json.loads(results_file.read_text())
    assert data["score"] == 0 and data["output"] == "the rubric is broken" and validate_results(data) == []
    with pytest.raises(ValueError, match="status"):
        write_results({"score": 1, "tests": [{"status": "maybe"}]}, results_file)


def write_rubric(tmp_path, text=RUBRIC):
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return path


def test_bundle_members_modes_and_scripts(tmp_path):
    out = write_bundle(write_rubric(tmp_path), tmp_path / "out" / "autograder.zip", install="raftlab==0.1.0")
    with zipfile.ZipFile(out) as bundle:
        assert bundle.namelist() == ["setup.sh", "run_autograder", "rubric.toml"]
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
        assert modes["run_autograder"] & stat.S_IXUSR and stat.S_ISREG(modes["run_autograder"])
        assert not modes["rubric.toml"] & stat.S_IXUSR
        assert bundle.read("rubric.toml").decode() == RUBRIC
        bundle.extractall(tmp_path / "src")
    setup = (tmp_path / "src" / "setup.sh").read_text()
    run = (tmp_path / "src" / "run_autograder").read_text()
    assert "pip install raftlab==0.1.0" in setup and "bubblewrap" in setup and "-m venv" in setup
    assert run.startswith("#!/usr/bin/env bash\n")
    assert ('grade --gradescope --rubric "$AUTOGRADER_ROOT/source/rubric.toml" --autograder-root '
            '"$AUTOGRADER_ROOT"') in run
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n", str(tmp_path / "src" / script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_bundle_ships_a_wheel_given_as_install(tmp_path):
    wheel = tmp_path / "raftlab-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    out = write_bundle(write_rubric(tmp_path), tmp_path / "a.zip", install=f"{wheel}[grade]")
    with zipfile.ZipFile(out) as bundle:
        assert bundle.read("dist/raftlab-0.1.0-py3-none-any.whl") == b"not really a wheel"
        assert 'pip install "$SOURCE/dist/"\'raftlab-0.1.0-py3-none-any.whl[grade]\'' in bundle.read(
            "setup.sh").decode()
    with pytest.raises(ValueError, match="no such wheel"):
        write_bundle(write_rubric(tmp_path), tmp_path / "b.zip", install=str(tmp_path / "missing.whl"))


def test_bad_rubric_is_refused_before_writing(tmp_path):
    bad = write_rubric(tmp_path, RUBRIC.replace("points = 10", "points = -1"))
    with pytest.raises(RubricError, match=r"rubric\.toml:7: points"):
        write_bundle(bad, tmp_path / "autograder.zip")
    assert not (tmp_path / "autograder.zip").exists()


def fake_raftlab(tmp_path, body):
    script = tmp_path / "fake-raftlab"
    script.write_text("#!/usr/bin/env bash\n" + body)
    script.chmod(0o755)
    return script


def run_autograder(tmp_path, fake):
    bundle = write_bundle(write_rubric(tmp_path), tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    script = root / "source" / "run_autograder"
    script.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "RAFTLAB": str(fake)}
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=10)
    return done, root


def test_run_autograder_passes_its_flags(tmp_path):
    fake = fake_raftlab(tmp_path, 'printf "%s\\n" "$PWD" "$@" > "$AUTOGRADER_ROOT/args"\n'
                                  'echo \'{"score": 5}\' > "$AUTOGRADER_ROOT/results/results.json"\nexit 1\n')
    done, root = run_autograder(tmp_path, fake)
    assert done.returncode == 0, done.stdout + done.stderr   # raftlab wrote results: Gradescope takes them
    assert (root / "args").read_text().splitlines() == [
        str(root), "grade", "--gradescope", "--rubric", str(root / "source" / "rubric.toml"),
        "--autograder-root", str(root)]
    assert json.loads((root / "results" / "results.json").read_text()) == {"score": 5}


def test_run_autograder_writes_a_result_when_raftlab_dies(tmp_path):
    done, root = run_autograder(tmp_path, fake_raftlab(tmp_path, "exit 3\n"))
    assert done.returncode == 3
    data = json.loads((root / "results" / "results.json").read_text())
    assert validate_results(data) == [] and data["score"] == 0 and "status 3" in data["output"]
