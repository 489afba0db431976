"""`raftlab logs`, `raftlab init` and `raftlab check` held wrong (issue 10, items 15, 16 and 18): a clear message and
exit status, never a traceback; runner logs end with a newline; the HTML history view gets the usual file mode."""

import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_kv_harness import STALE_READ, fake_impl, history_test
from tester import lab3_helpers, tools_cli
from tester.cli import cli
from tester.porcupine import PUT, KvInput, KvOutput, Operation, write_history
from tester.porcupine.parsers import MAX_HISTORY_BYTES
from tester.run_one import run_test

REPO = Path(__file__).resolve().parents[1]


def raftlab(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def no_traceback(result):
    """The command ended by exiting, with no exception of its own."""
    return result.exception is None or isinstance(result.exception, SystemExit)


# --- item 15: raftlab logs -----------------------------------------------------------------------------------------

def test_logs_of_a_binary_file_names_the_line_that_is_not_text(tmp_path):
    path = tmp_path / "core.bin"
    path.write_bytes(b"     0.412 S0    VOTE     asks for votes\n\x99\x00\xff junk\n")
    result = raftlab("logs", path)
    assert result.exit_code == 2 and no_traceback(result)
    assert "core.bin: line 2 is not UTF-8 text" in result.output and "not a raftlab log" in result.output
    assert "asks for votes" not in result.output   # refused before anything is shown


def test_logs_of_a_file_that_is_not_a_raftlab_log_says_so(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n3.14 is pi\n")
    result = raftlab("logs", notes)
    assert result.exit_code == 2 and "notes.txt: none of its 2 lines is a log line" in result.output
    assert "not a raftlab log" in result.output and "shopping" not in result.output
    empty = tmp_path / "empty.log"
    empty.write_text("")
    result = raftlab("logs", empty)
    assert result.exit_code == 2 and "empty.log: the file is empty" in result.output


def test_runner_logs_end_with_a_newline_and_their_header_stays_out_of_the_columns(tmp_path):
    result = raftlab("test", "TestInitialElection2A", "--impl", "tests.mutants.raft_slow_election", "--seed", 1,
                     "--runs", 1, "--output", tmp_path)
    assert result.exit_code == 1, result.output
    log = tmp_path / "TestInitialElection2A-seed1.log"
    text = log.read_text()
    assert text.startswith("# TestInitialElection2A seed=1: expected one leader") and text.endswith("\n")
    shown = raftlab("logs", log, "--columns").output.splitlines()
    # the runner's header, the test's title and its failure are no peer's lines: each is a line of its own,
    # unindented, not text in the S0 column after the time column
    for line in ("# TestInitialElection2A seed=1: expected one leader, got none", "Test (2A): initial election ...",
                 "--- FAIL: TestInitialElection2A"):
        assert any(row.startswith(line) for row in shown), (line, shown[:5])
    header = next(row for row in shown if row.split()[:4] == ["time", "S0", "S1", "S2"])
    persist = next(row for row in shown if "PERSIST" in row)
    assert persist.index("PERSIST") == header.index("S0")   # log lines are still in their peer's column


# --- item 15: raftlab init -----------------------------------------------------------------------------------------

def test_init_into_a_path_that_cannot_be_made_says_so(tmp_path):
    (tmp_path / "a-file").write_text("")
    for target in (tmp_path / "a-file" / "lab", Path("/proc/raftlab-lab")):
        result = raftlab("init", target)
        assert result.exit_code == 1 and no_traceback(result), result.output
        assert f"cannot write the lab folder {target}" in result.output


def test_init_that_stops_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    copyfile = tools_cli.shutil.copyfile

    def disk_full_at_the_readme(source, target, **options):
        if Path(target).name == "README.md":
            raise OSError(28, "No space left on device", str(target))
        return copyfile(source, target, **options)
    monkeypatch.setattr(tools_cli.shutil, "copyfile", disk_full_at_the_readme)
    lab = tmp_path / "course" / "lab"
    result = raftlab("init", lab)
    assert result.exit_code == 1 and no_traceback(result)
    assert f"cannot write the lab folder {lab} ({lab / 'README.md'}): No space left on device" in result.output
    assert list(tmp_path.iterdir()) == []   # raft/ and kvraft/, copied before the failure, and the folders: gone


def test_init_into_a_folder_that_holds_other_files_keeps_them_and_refuses_a_clash(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "notes.md").write_text("mine")
    result = raftlab("init", repo)
    assert result.exit_code == 0 and (repo / "raft" / "__init__.py").exists()
    assert (repo / "notes.md").read_text() == "mine"
    other = tmp_path / "other"
    other.mkdir()
    (other / "raft").symlink_to(tmp_path / "nowhere")   # a dangling link is still in the way
    result = raftlab("init", other)
    assert result.exit_code == 2 and no_traceback(result) and "raft already exist" in result.output
    assert sorted(p.name for p in other.iterdir()) == ["raft"]


# --- item 16: raftlab check ----------------------------------------------------------------------------------------

@pytest.fixture
def history(tmp_path):
    path = tmp_path / "h.json"
    write_history(path, [Operation(0, KvInput(PUT, "k", "x"), 0, KvOutput(""), 1)])
    return path


@pytest.mark.parametrize("budget", ["-1", "0", "nan"])
def test_check_refuses_a_time_budget_that_is_not_above_zero(history, budget):
    result = raftlab("check", history, "--timeout", budget)
    assert result.exit_code == 3 and "is not a time budget" in result.output


def test_check_help_lists_every_exit_status_and_usage_errors_are_not_a_verdict(history):
    help_text = raftlab("check", "--help").output
    for status in ("0  linearizable", "1  NOT linearizable", "2  unknown", "3  no verdict"):
        assert status in help_text
    assert f"larger than {MAX_HISTORY_BYTES // 2 ** 20} MiB" in help_text
    result = raftlab("check", history, "--timeuot", "5")   # 2 would read as "unknown"
    assert result.exit_code == 3 and "No such option" in result.output


@pytest.mark.parametrize("model", ["register", "kv"])
def test_an_empty_history_fits_either_model(tmp_path, model):
    empty = tmp_path / "empty.json"
    empty.write_text('{"operations": []}\n')
    result = raftlab("check", empty, "--model", model)
    assert result.exit_code == 0, result.output
    assert "empty.json: linearizable (0 operations" in result.output and f"{model} model" in result.output


def test_check_refuses_a_history_above_the_size_limit_before_reading_it(tmp_path):
    at_limit, above = tmp_path / "at-limit.json", tmp_path / "above.json"
    for path, size in ((at_limit, MAX_HISTORY_BYTES), (above, MAX_HISTORY_BYTES + 1)):
        with open(path, "wb") as f:   # sparse: costs no disk
            f.truncate(size)
    result = raftlab("check", at_limit)
    assert result.exit_code == 3 and "cannot tell the format" in result.output and "too large" not in result.output
    result = raftlab("check", above)
    assert result.exit_code == 3
    assert (f"above.json: too large to check ({MAX_HISTORY_BYTES + 1:,} bytes): raftlab reads histories of up to "
            f"{MAX_HISTORY_BYTES // 2 ** 20} MiB") in result.output
    # a pipe has no size to look at: it is read up to the limit and no further
    piped = subprocess.run([sys.executable, "-m", "tester.cli", "check", "/dev/stdin"], cwd=REPO,
                           input=b"[" + b" " * MAX_HISTORY_BYTES + b"]", capture_output=True, timeout=60)
    assert piped.returncode == 3 and b"too large to check (over" in piped.stderr


def test_a_large_history_is_read_in_linear_time(tmp_path):
    # 60,000 operations, 7 MB: the former parser counted newlines from the top of the file for every operation
    ops = [Operation(i % 20, KvInput(PUT, f"k{i % 500}", f"v{i}"), 2 * i, KvOutput(""), 2 * i + 1)
           for i in range(60_000)]
    path = tmp_path / "big.json"
    write_history(path, ops)
    started = time.monotonic()
    result = raftlab("check", path)
    assert result.exit_code == 0 and "linearizable (60000 operations, 500 partition(s)" in result.output
    assert time.monotonic() - started < 15


# --- item 18: the HTML history view's file mode --------------------------------------------------------------------

@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640   # the mode of a new file: 0666 less the umask
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_check_html_view_gets_the_mode_of_every_other_report(tmp_path, history, umask_027):
    fd, made = tempfile.mkstemp(dir=tmp_path, suffix=".html")   # 0600, as the KV harness makes it
    os.close(fd)
    report = tmp_path / "report.json"
    write_history(report, [])
    result = raftlab("check", history, "--html", made)
    assert result.exit_code == 0 and "history view:" in result.output
    assert mode(made) == mode(report) == umask_027
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([Path(made).name, "report.json", "h.json"])


def test_failing_kv_test_writes_its_history_view_and_json_with_one_mode(tmp_path, monkeypatch, umask_027):
    monkeypatch.delenv("RAFTLAB_OUTPUT_DIR", raising=False)   # then the view goes to a mkstemp file
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(lab3_helpers.tempfile, "tempdir", None)
    result = run_test(history_test(STALE_READ), seed=1, impl=fake_impl("ok"), quiet=True)
    assert result.message == "history is not linearizable"
    (html,) = tmp_path.glob("TestHistoryCheck3A-seed1-*.html")
    assert mode(html) == mode(html.with_suffix(".json")) == umask_027
