"""The self-test runs whole from a clone: the Porcupine histories ship inside the project (with their license and
source), and a missing browser is a failure under CI (CI set) rather than a skip that would hide it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import browser
from tester.porcupine.testdata import DATA_DIR, find_test_data, published_cases

ROOT = Path(__file__).resolve().parents[1]


def test_the_histories_are_looked_up_inside_the_project_only():
    data = find_test_data()
    assert data == DATA_DIR and ROOT in data.parents  # not ../shared next to the clone
    cases = published_cases(data)
    assert len(cases) == 108 and all(c.path.is_file() and ROOT in c.path.parents for c in cases)
    readme = (data / "README.md").read_text()
    assert "github.com/anishathalye/porcupine" in readme and "55508eb" in readme and "LICENSE.md" in readme
    assert "MIT License" in (data / "LICENSE.md").read_text() and "Anish Athalye" in (data / "LICENSE.md").read_text()


def test_a_folder_without_the_histories_is_an_error_naming_it(tmp_path):
    (tmp_path / "kv").mkdir()
    with pytest.raises(FileNotFoundError, match=f"{tmp_path}: etcd/ missing"):
        find_test_data(tmp_path)


def test_missing_chromium_fails_under_ci_and_skips_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no browser on it
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium is not on PATH.*apt-get install -y chromium"):
        browser.find_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        browser.find_chromium()


@pytest.mark.parametrize("ci, outcome, status", [("true", "2 failed", 1), (None, "2 skipped", 0)])
def test_the_browser_tests_without_chromium(tmp_path, ci, outcome, status):
    """End to end, as a CI run without the browser would see it: pytest's exit status says it."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update(PATH=str(tmp_path), **({"CI": ci} if ci else {}))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "chromium",
                           "tests/test_porcupine_visualize.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == status and outcome in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
