"""Grading survives being killed (a real SIGKILL of the grader and all its processes, as a power cut would), and
gives the same grades on this machine, on a Dask LocalCluster, and on a `dask scheduler` with two `dask worker`
processes started here."""
import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grading.executor import DaskExecutor, LocalExecutor
from grading.grade import grade_folder
from grading.rubric import parse_rubric
from grading.scoring import grade_class
from grading.store import Store
from tests.grading_class import RUBRIC, build_class

RAFTLAB = [sys.executable, "-m", "tester.cli"]
SMALL = RUBRIC.replace("hidden_seeds = [2]", "hidden_seeds = []")   # 4 runs per submission
CLASS = ["reference", "no_majority", "slow_election"]


def totals(rubric, db: Path) -> dict[str, float]:
    store = Store(db)
    try:
        return {g.submission.name: g.total for g in grade_class(rubric, store).students}
    finally:
        store.close()


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The class graded once, on this machine, without interruption: what every other way must equal."""
    home = tmp_path_factory.mktemp("local")
    build_class(home / "class", CLASS)
    rubric = parse_rubric(SMALL)
    store = Store(home / "local.sqlite")
    grade_folder(home / "class", rubric, store, LocalExecutor(2), scratch=home / "scratch", output_dir=home / "logs")
    store.close()
    grades = totals(rubric, home / "local.sqlite")
    assert grades == {"reference": 30.0, "no_majority": 20.0, "slow_election": 20.0}
    return home, rubric, grades


def test_a_killed_grading_resumes_and_counts_every_run_once(local, tmp_path):
    home, rubric, grades = local
    (tmp_path / "rubric.toml").write_text(SMALL)
    command = [*RAFTLAB, "grade", str(home / "class"), "--rubric", "rubric.toml", "--db", "g.sqlite", "--workers", "2"]
    grader = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 120
    stored = 0
    while stored < 3 and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.05)
        try:
            stored = sqlite3.connect(tmp_path / "g.sqlite").execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        except sqlite3.Error:
            pass   # not created yet
    assert grader.poll() is None, "the grading finished before it could be killed: make the class bigger"
    os.killpg(grader.pid, signal.SIGKILL)   # the grader, its workers and every student side, at once
    grader.wait()
    before = sqlite3.connect(tmp_path / "g.sqlite").execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 3 <= before < 12
    resumed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-2000:]
    assert f"{12 - before} run(s) now" in resumed.stdout, resumed.stdout[-2000:]
    db = sqlite3.connect(tmp_path / "g.sqlite")
    assert dict(db.execute("SELECT submission, COUNT(*) FROM runs GROUP BY submission")) == {n: 4 for n in CLASS}
    assert totals(rubric, tmp_path / "g.sqlite") == grades
    with open(tmp_path / "g-report" / "gradebook.csv", newline="") as f:
        assert {row["student"]: float(row["total"]) for row in csv.DictReader(f)} == grades


def test_a_dask_local_cluster_gives_the_same_grades(local, tmp_path):
    from distributed import LocalCluster
    home, rubric, grades = local
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster.scheduler_address)
        assert "2 worker(s)" in executor.describe()
        store = Store(tmp_path / "dask.sqlite")
        outcome = grade_folder(home / "class", rubric, store, executor, scratch=tmp_path / "scratch",
                               output_dir=tmp_path / "logs")
        executor.close()
        store.close()
    assert outcome.ran == outcome.planned == 12
    assert totals(rubric, tmp_path / "dask.sqlite") == grades
    # a failing run's log came back from the Dask worker
    tail = sqlite3.connect(tmp_path / "dask.sqlite").execute(
        "SELECT log_tail FROM runs WHERE submission = 'no_majority' AND status != 'passed'").fetchone()[0]
    assert tail.strip()


def test_dask_scheduler_and_workers_started_by_hand_give_the_same_grades(local, tmp_path):
    home, rubric, grades = local
    bin_dir = Path(sys.executable).parent
    dask = str(bin_dir / "dask") if (bin_dir / "dask").exists() else "dask"
    spec = tmp_path / "scheduler.json"
    processes = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(spec), "--port", "0",
                                   "--dashboard-address", ":0"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, cwd=tmp_path)]
    try:
        deadline = time.monotonic() + 60
        while not spec.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        import json
        address = json.loads(spec.read_text())["address"]
        for _ in range(2):
            processes.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1"],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path))
        (tmp_path / "rubric.toml").write_text(SMALL)
        done = subprocess.run([*RAFTLAB, "grade", str(home / "class"), "--rubric", "rubric.toml", "--db",
                               "cluster.sqlite", "--scheduler", address], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        assert f"Dask cluster {address}" in done.stdout.replace("\n", "")
        assert totals(rubric, tmp_path / "cluster.sqlite") == grades
        # the same executor serves a student's seed hunt; the failing run's log comes back to this machine
        hunt = subprocess.run([*RAFTLAB, "test", "TestFailNoAgree2B", "--runs", "2", "--impl",
                               str(home / "class" / "no_majority"), "--scheduler", address, "--output", "hunt"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert hunt.returncode == 1 and "0/2 runs passed" in hunt.stdout, hunt.stdout[-2000:] + hunt.stderr
        assert len(list((tmp_path / "hunt").glob("TestFailNoAgree2B-seed*.log"))) == 2
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path):
    (tmp_path / "rubric.toml").write_text(SMALL)
    build_class(tmp_path / "class", ["reference"])
    done = subprocess.run([*RAFTLAB, "grade", "class", "--rubric", "rubric.toml", "--scheduler",
                           "tcp://127.0.0.1:9"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr
