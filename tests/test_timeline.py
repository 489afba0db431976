"""See a run (tester.timeline): recording changes nothing in the run; roles, faults, checks and clerk operations land
where they happened; the page opens in headless Chromium without a script error and draws what the run had; the
batch runner and `raftlab replay --html` write pages. Screenshots are kept in tests/artifacts/ (not versioned)."""

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser import find_chromium, render_in_chromium
from click.testing import CliRunner

import labrpc
from tester.cli import cli
from tester.porcupine import (
    GET,
    KV_MODEL,
    PUT,
    KvInput,
    KvOutput,
    Operation,
    check_operations_verbose,
)
from tester.run_one import run_test
from tester.timeline import Recorder, decode
from tester.timeline.model import LEADER, history_error, page_data
from tester.timeline.page import write_timeline
from tester.timeline.recorder import Call

ARTIFACTS = Path(__file__).parent / "artifacts"
MUTANT = "tests.mutants.raft_commit_without_majority"
MINORITY_READS = "tests.mutants.kv_minority_reads"


def record(test: str, seed: int, impl=None, in_process=False, logs=True) -> tuple[Recorder, object]:
    rec = Recorder(test, seed)
    return rec, run_test(test, seed=seed, impl=impl, quiet=True, log_topics=[] if logs else None, recorder=rec,
                         in_process=in_process)


def screenshot(page: Path, name: str, tmp_path: Path, fragment: str = "", size=(1400, 900)) -> Path:
    """A PNG of the page as headless Chromium draws it, kept in tests/artifacts/ (its path is printed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / name
    subprocess.run([find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'shot-profile'}", f"--window-size={size[0]},{size[1]}",
                    f"--screenshot={png}", page.resolve().as_uri() + fragment],
                   capture_output=True, timeout=120, check=True)
    assert png.stat().st_size > 10_000, "an empty screenshot"
    print(f"screenshot: {png}")
    return png


def drawn(calls: list[Call]) -> int:
    """RPCs the page draws an arrow (or a stub) for: delivered, request dropped, or sent to nobody."""
    return sum(c.delivered is not None or c.fate in ("unreachable", "drop-request") for c in calls)


# --- recording changes nothing
@pytest.mark.parametrize("test, impl, in_process", [
    ("TestFailNoAgree2B", MUTANT, False),
    ("TestOnePartition3A", None, False),
    ("TestOnePartition3A", None, True),
])
def test_recording_changes_nothing_in_the_run(test, impl, in_process):
    # In a process of its own: in-process runs share this one with the suite's fakes, which may leave modules behind.
    done = subprocess.run([sys.executable, "-c", _COMPARE, test, str(impl), str(in_process)], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    plain, recorded, again, same_verdicts, calls, logs, checks = done.stdout.split()
    assert plain == recorded == again and same_verdicts == "True"
    assert int(calls) and int(logs) and int(checks), "nothing was recorded: the comparison would prove nothing"


_COMPARE = """
import sys
from tester.run_one import run_test
from tester.timeline import Recorder
test, impl, in_process = sys.argv[1], None if sys.argv[2] == "None" else sys.argv[2], sys.argv[3] == "True"
def run(recorder=None):
    return run_test(test, seed=3, impl=impl, quiet=True, log_topics=[], in_process=in_process, recorder=recorder,
                    sink=lambda text: None)
plain, rec = run(), Recorder(test, 3)
recorded = run(rec)
again = run()
print(plain.trace_hash, recorded.trace_hash, again.trace_hash, recorded.passed == plain.passed == again.passed,
      len(rec.calls), len(rec.logs), len(rec.checks))
"""


# --- what the untrusted side sends is read, never loaded
def test_payloads_are_read_without_loading_a_class():
    from raft.role import Role
    from raft.rpc_types import AppendEntriesArgs
    for _ in range(2):   # the codec may write a class's first object one way and later ones another
        value = decode.read(labrpc.encode(AppendEntriesArgs(7, 1, 5, 2, [(7, "cmd")] * 20, 5)))
        assert decode.field(value, "Term") == 7
        text = decode.show(value)
        assert text.startswith("AppendEntriesArgs(term=7, leader_id=1") and "[20: (7, 'cmd')" in text
        assert len(text) <= 160
    assert decode.show(decode.read(labrpc.encode(Role.LEADER))) == "Role.LEADER"
    evil = pickle.dumps(subprocess.Popen)   # a class that is not data: refused by name, never imported or called
    assert isinstance(decode.read(evil), decode.Unreadable)
    assert decode.show(decode.read(b"\x80\x05junk")).startswith("<6 bytes that do not decode")
    assert decode.show(decode.read(labrpc.encode(10 ** 3000))) == "<int of 9966 bits>"
    assert decode.show(decode.read(b"x" * (decode.MAX_BYTES + 1))) == f"<{decode.MAX_BYTES + 1:,} bytes>"


# --- roles and terms, from what the network and the harness saw
def test_inferred_leaders_match_the_reference_raft_own_log():
    """Every "became leader of term T" line the reference Raft logs starts a leader band of term T on that lane:
    roles are inferred only from the trusted side, and they agree with what the peer itself says."""
    rec, result = record("TestReElection2A", 2)
    assert result.passed
    data = page_data(rec, title="t")
    bands, lanes = data["bands"], data["lanes"]
    became = [(at, peer, int(re.search(r"term (\d+)", text)[1])) for at, peer, topic, text in rec.logs
              if topic == "LEAD" and text.startswith("became leader")]
    assert len(became) >= 2
    for at, peer, term in became:
        starts = [t0 / 1e6 for lane, t0, role, band_term in zip(bands["lane"], bands["t0"], bands["role"],
                                                                  bands["term"])
                  if lanes[lane] == peer and role == LEADER and band_term == term]
        assert any(abs(t0 - at) <= 0.0011 for t0 in starts), (peer, term, at, starts)


# --- the pages, in a real browser
def test_failing_mutant_run_page(tmp_path):
    rec, result = record("TestFailNoAgree2B", 1, MUTANT)
    assert not result.passed and "committed but no majority" in result.message
    page = write_timeline(rec, tmp_path / "run.html", replay="raftlab replay TestFailNoAgree2B --seed 1")
    body, dom = render_in_chromium(page, tmp_path)
    assert body["data-script-errors"] == ""
    assert body["data-lanes"] == "5" and body["data-mode"] == "arrows"   # five peers, every RPC drawn
    assert int(body["data-arrows-drawn"]) == drawn(rec.calls) > 100
    assert body["data-failing-check"].startswith("lab2_tests.py:")   # raised in the test body, not by a check
    assert int(body["data-checks"]) == len(rec.checks) + 1 and "2 committed but no majority" in dom
    screenshot(page, "timeline-failing-2B.png", tmp_path)
    zoomed, _ = render_in_chromium(page, tmp_path, "#failure")
    assert zoomed["data-script-errors"] == "" and 0 < int(zoomed["data-arrows-drawn"]) < int(body["data-arrows-drawn"])


def test_lab3_pages_show_clerk_operations_and_the_illegal_one(tmp_path):
    rec, result = record("TestOnePartition3A", 1)
    assert result.passed
    page = write_timeline(rec, tmp_path / "pass.html")
    body, _ = render_in_chromium(page, tmp_path)
    assert body["data-script-errors"] == "" and body["data-failing-check"] == ""
    assert int(body["data-ops"]) == len(rec.ops) > 0 and body["data-bad-ops"] == "0"
    assert {"C0", "C1", "S4"} <= set(page_data(rec, title="t")["lanes"])
    kinds = {fault["kind"] for fault in page_data(rec, title="t")["faults"]}
    assert {"group", "clerk"} <= kinds   # the partition, and the clerk cut off from the majority

    rec, result = record("TestPersistPartitionUnreliableLinearizable3A", 1, MINORITY_READS, logs=False)
    assert result.message.startswith("history is not linearizable")
    page = write_timeline(rec, tmp_path / "illegal.html")
    body, dom = render_in_chromium(page, tmp_path)
    illegal = history_error(rec.history)   # the first illegal op of each illegal partition (key), as the view has it
    assert body["data-script-errors"] == "" and int(body["data-bad-ops"]) == len(illegal) >= 1
    assert body["data-failing-check"] == "check_history" and body["data-mode"] == "density"
    assert 'href="illegal.history.html#first-error"' in dom and (tmp_path / "illegal.history.html").exists()
    screenshot(page, "timeline-illegal-3A.png", tmp_path)


def test_a_synthetic_illegal_history_marks_exactly_the_op_porcupine_cannot_place():
    rec = Recorder("TestX", 1)
    ops = [Operation(0, KvInput(PUT, "k", "1"), 1.0, KvOutput(), 2.0),
           Operation(1, KvInput(GET, "k"), 3.0, KvOutput("0"), 4.0)]
    _, rec.history = check_operations_verbose(KV_MODEL, ops, 5.0)
    rec.ops = [("C0", "put", ("k", "1"), 1.0, 2.0, None, None), ("C1", "get", ("k",), 3.0, 4.0, "0", None)]
    rec.finish("history is not linearizable", 4.0, 5.0, None, "h")
    assert page_data(rec, title="t")["ops"]["bad"] == [0, 1]


def test_a_large_run_is_drawn_as_density_until_zoomed_in(tmp_path):
    """100,000 RPCs: the file stays small, the whole run is drawn as density strips, a zoomed view as arrows."""
    rec = Recorder("TestBig", 1)
    request = labrpc.encode({"term": 3, "entries": list(range(5))})
    for n in range(100_000):
        call = Call(n * 0.0003, f"S{n % 5}", "Raft.append_entries", (n + 1) % 5, request)
        call.fate, call.done, call.reply = "reply", call.sent + 0.006, request
        rec.calls.append(call)
    rec.finish("", None, 30.0, None, "h")
    page = write_timeline(rec, tmp_path / "big.html")
    assert page.stat().st_size < 8_000_000
    whole, _ = render_in_chromium(page, tmp_path)
    assert whole["data-script-errors"] == "" and whole["data-mode"] == "density" and whole["data-arrows-drawn"] == "0"
    zoomed, _ = render_in_chromium(page, tmp_path, "#t=10-10.3")
    assert zoomed["data-mode"] == "arrows" and 900 < int(zoomed["data-arrows-drawn"]) <= 1100


# --- the commands
def test_replay_html_and_its_usage_errors(tmp_path):
    page = tmp_path / "run.html"
    args = ["replay", "TestFailNoAgree2B", "--seed", "1", "--impl", MUTANT, "--quiet-logs"]
    result = CliRunner().invoke(cli, [*args, "--html", str(page)])
    assert result.exit_code == 1 and f"timeline: {page}" in result.output and page.stat().st_size > 10_000
    for bad, why in ((tmp_path / "missing" / "run.html", "does not exist"), (tmp_path, "is a directory")):
        result = CliRunner().invoke(cli, [*args, "--html", str(bad)])
        assert result.exit_code == 2 and str(bad) in result.output and why in result.output


def test_html_never_replaces_a_device_pipe_link_or_source_file(tmp_path):
    """The page replaces its file (written beside it, then renamed): a device, a pipe, a link or a .py must be
    refused before the run, never replaced (a trial replaced /dev/full with a page)."""
    import os
    os.mkfifo(tmp_path / "pipe.html")
    (tmp_path / "target.html").write_text("kept")
    (tmp_path / "link.html").symlink_to(tmp_path / "target.html")
    (tmp_path / "raft.py").write_text("kept")
    (tmp_path / "a_file").write_text("kept")
    args = ["replay", "TestInitialElection2A", "--seed", "1", "--quiet-logs", "--html"]
    for bad, why in (("/dev/full", "must end in .html"), (tmp_path / "pipe.html", "a device, pipe or socket"),
                     (tmp_path / "link.html", "a symbolic link"), (tmp_path / "raft.py", "must end in .html"),
                     (tmp_path / "a_file" / "x.html", "is a file, not a folder"), ("", "the name is empty")):
        result = CliRunner().invoke(cli, [*args, str(bad)])
        assert result.exit_code == 2 and why in result.output, (bad, result.output)
    assert (tmp_path / "target.html").read_text() == "kept" and (tmp_path / "raft.py").read_text() == "kept"
    assert os.path.islink(tmp_path / "link.html") and not os.path.isfile("/dev/full")


def test_output_lines_are_kept_whatever_their_topic_and_memory_stays_bounded():
    from tester.timeline.recorder import LOG_CAP
    rec = Recorder("TestX2A", 1)
    sink = rec.tee(None)
    sink("     0.100 S0    X<Y      an odd topic\n     0.200 S1    VOTE     a vote\nplain print() output\n")
    kept = [(peer, topic, text) for _, peer, topic, text in rec.logs]
    assert kept == [("", "OUTPUT", "     0.100 S0    X<Y      an odd topic"), ("S1", "VOTE", "a vote"),
                    ("", "OUTPUT", "plain print() output")]
    sink("     0.300 S2    LEAD     x\n" * (LOG_CAP + 10))
    assert len(rec.logs) == LOG_CAP and rec.log_count == LOG_CAP + 13


def test_the_batch_runner_writes_a_timeline_next_to_each_failing_log(tmp_path):
    result = CliRunner().invoke(cli, ["test", "TestFailNoAgree2B", "--impl", MUTANT, "--runs", "3", "--seed", "1",
                                      "--output", str(tmp_path)])
    assert result.exit_code == 1
    logs = sorted(tmp_path.glob("*.log"))
    pages = sorted(tmp_path.glob("*.html"))
    assert len(logs) == 3 and [p.with_suffix(".log") for p in pages] == logs
    assert f"timeline: {pages[0]}" in result.output
    records = tmp_path / "runs.json"
    CliRunner().invoke(cli, ["test", "TestFailNoAgree2B", "--impl", MUTANT, "--runs", "2", "--seed", "1",
                             "--output", str(tmp_path / "again"), "--json", str(records)])
    import json
    assert all(Path(row["timeline"]).exists() for row in json.loads(records.read_text()) if not row["passed"])


def test_a_failing_lab3_batch_run_links_the_harness_history_view_instead_of_a_second_one(tmp_path):
    result = CliRunner().invoke(cli, ["test", "TestPersistPartitionUnreliableLinearizable3A", "--impl",
                                      MINORITY_READS, "--runs", "1", "--seed", "1", "--in-process", "--output",
                                      str(tmp_path)])
    assert result.exit_code == 1
    views = sorted(p.name for p in tmp_path.glob("*history*.html"))
    page = next(p for p in tmp_path.glob("*.html") if "history" not in p.name)
    assert len(views) == 1 and f'"history_href":"{views[0]}"' in page.read_text()


def test_a_malformed_or_reversed_fragment_shows_the_whole_run(tmp_path):
    find_chromium()
    rec, _ = record("TestInitialElection2A", 1, logs=False)
    page = write_timeline(rec, tmp_path / "run.html")
    for fragment in ("#%", "#t=2-1"):
        body, dom = render_in_chromium(page, tmp_path, fragment=fragment)
        assert body["data-script-errors"] == "" and body["data-rendered"] == "1" and int(body["data-rpcs"]) > 0
    assert not re.search(NOT_ISOLATED_BANNER, dom)


NOT_ISOLATED_BANNER = r'<div id="meta"><b[^>]*>NOT isolated</b>'


def test_an_in_process_page_says_it_was_not_isolated(tmp_path):
    find_chromium()
    rec, _ = record("TestInitialElection2A", 1, logs=False, in_process=True)
    body, dom = render_in_chromium(write_timeline(rec, tmp_path / "run.html"), tmp_path)
    assert body["data-script-errors"] == "" and re.search(NOT_ISOLATED_BANNER, dom)
