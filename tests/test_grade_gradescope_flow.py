"""The whole Gradescope flow in a temporary folder laid out like /autograder: build the bundle with the CLI, unzip it
as Gradescope does into source/, put a student's upload in submission/, run the bundle's run_autograder, and check
results.json against the documented fields and the grade."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grading.gradescope import validate_results
from tests.grading_class import RUBRIC, build_class

RAFTLAB = [sys.executable, "-m", "tester.cli"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    home = tmp_path_factory.mktemp("course")
    (home / "rubric.toml").write_text(RUBRIC)
    done = subprocess.run([*RAFTLAB, "grade", "gradescope-bundle", "rubric.toml", "-o", "autograder.zip"], cwd=home,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return home / "autograder.zip"


def autograde(bundle: Path, root: Path, upload: Path) -> dict:
    """Gradescope's steps: source/ from the bundle, the upload in submission/, run_autograder, results.json."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    shutil.copytree(upload, root / "submission")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_the_reference_gets_full_marks_through_run_autograder(bundle, tmp_path):
    build_class(tmp_path / "uploads", ["reference"])
    results = autograde(bundle, tmp_path / "autograder", tmp_path / "uploads" / "reference")
    assert validate_results(results) == []
    assert results["score"] == 30
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in visible] == [
        ("election", 10, 10, "passed"), ("agreement", 20, 20, "passed")]


def test_a_failing_upload_shows_its_visible_failures_and_keeps_hidden_ones_for_later(bundle, tmp_path):
    build_class(tmp_path / "uploads", ["no_majority"])
    results = autograde(bundle, tmp_path / "autograder", tmp_path / "uploads" / "no_majority")
    assert validate_results(results) == []
    assert results["score"] == 20   # election 10, agreement 2 of 4 runs: 10
    agreement = next(t for t in results["tests"] if t["name"] == "agreement")
    assert agreement["status"] == "failed" and agreement["score"] == 10
    assert "raftlab replay TestFailNoAgree2B --seed 1 --impl ." in agreement["output"]
    assert "--seed 2" not in agreement["output"]        # seed 2 is hidden
    hidden = [t for t in results["tests"] if t["visibility"] == "after_published"]
    assert hidden and any("--seed 2" in t["output"] for t in hidden)


def test_an_upload_without_raft_gets_score_zero_and_the_reason(bundle, tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "README.md").write_text("forgot the code")
    results = autograde(bundle, tmp_path / "autograder", upload)
    assert validate_results(results) == []
    assert results["score"] == 0 and "raft" in results["output"]
