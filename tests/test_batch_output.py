"""What a batch of runs prints and writes: valid reports whatever a message holds, an interrupted batch that says so,
the determinism check's findings on screen, no live frames off a terminal, tables that never squeeze the counts,
and a failure list sorted, folded and pointing only at files that exist."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser
from rich.console import Console

from tester.batch import run_batch
from tester.live_view import LiveView
from tester.registry import get
from tester.reports import summary_table, write_json, write_junit
from tester.runner import Record, RunList, RunSpec, _first_difference

REPO = Path(__file__).resolve().parents[1]
NASTY = "bad \x1b[31m \x00 \x07 \r & <tag> ]]> \ud800 \udfff \ufffe \x85"

# A Raft whose handler raises an exception holding what XML 1.0 forbids and a lone surrogate.
NASTY_HANDLER = f"""
    import asyncio

    class Raft:
        def __init__(self, peers, me):
            self.peers, self.me = peers, me
        def get_state(self):
            return 0, False
        def start(self, command):
            return -1, 0, False
        def snapshot(self, index, snapshot):
            pass
        def kill(self):
            pass
        def request_vote(self, args):
            raise ValueError({NASTY!r})

    def make(peers, me, persister, apply_ch):
        raft = Raft(peers, me)
        async def ask():
            await asyncio.sleep(0.3)
            await peers[(me + 1) % len(peers)].call("Raft.request_vote", 1)
        raft.task = asyncio.get_running_loop().create_task(ask())
        return raft
"""


def raftlab(*args, env=None, **popen):
    return subprocess.Popen([sys.executable, "-m", "tester.cli", "test", *map(str, args)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONHASHSEED="0", **(env or {})), **popen)


def junit_cases(path):
    """Every testcase of a JUnit file, read by both parsers (each raises if the XML is not valid)."""
    ET.parse(path)
    suites = list(junitparser.JUnitXml.fromfile(str(path)))
    return suites, [case for suite in suites for case in suite]


def test_reports_stay_valid_xml_whatever_a_message_holds(tmp_path):
    record = Record("TestBackup2B", 3, "failed", f"one(3) {NASTY}\nmore {NASTY}" + "".join(map(chr, range(32))))
    write_junit([record], tmp_path / "j.xml")
    write_json([record], tmp_path / "r.json")
    _, (case,) = junit_cases(tmp_path / "j.xml")
    text = case.result[0].text
    assert "& <tag> ]]>" in text and "\\x1b[31m" in text and "\\xd800" in text and "\\x00" in text
    assert not re.search("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe]", text + case.result[0].message)
    assert "\\xd800" in json.loads((tmp_path / "r.json").read_text())[0]["message"]


def test_a_handler_raising_control_characters_and_a_surrogate_fails_cleanly_both_ways(tmp_path):
    (tmp_path / "student" / "raft").mkdir(parents=True)
    (tmp_path / "student" / "raft" / "__init__.py").write_text(textwrap.dedent(NASTY_HANDLER))
    for mode in ("isolated", "--in-process"):
        json_path, junit_path = tmp_path / f"{mode}.json", tmp_path / f"{mode}.xml"
        proc = raftlab("TestInitialElection2A", "--impl", tmp_path / "student", "--seed", 1, "--runs", 2,
                       "--workers", 2, "--output", tmp_path / mode, "--json", json_path, "--junit", junit_path,
                       *([mode] if mode.startswith("--") else []))
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 1, output
        assert "Traceback" not in output and "ValueError: bad \\x1b[31m" in output
        _, cases = junit_cases(junit_path)
        assert [case.result[0].type for case in cases] == ["failed", "failed"]
        assert all("& <tag>" in case.result[0].message for case in cases)
        assert [r["status"] for r in json.loads(json_path.read_text())] == ["failed", "failed"]


def test_ctrl_c_is_in_the_junit_and_the_json(tmp_path):
    proc = raftlab("2A", "--runs", 20, "--workers", 2, "--seed", 1, "--output", tmp_path / "out",
                   "--json", tmp_path / "r.json", "--junit", tmp_path / "j.xml")
    while "seed(s)" not in proc.stdout.readline():   # the batch's first line: the runs begin
        pass
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    *runs, marker = json.loads((tmp_path / "r.json").read_text())
    assert marker["marker"] and marker["status"] == "interrupted" and marker["passed"] is False
    assert marker["finished"] == len(runs) < marker["planned"] == 60 and all("marker" not in r for r in runs)
    suites, cases = junit_cases(tmp_path / "j.xml")
    assert dict((p.name, p.value) for p in suites[0].properties())["raftlab.incomplete"] == "interrupted"
    assert cases[-1].name == "interrupted" and cases[-1].result[0].type == "interrupted"
    assert suites[0].errors == 1 and suites[0].tests == len(runs) + 1


def test_check_determinism_prints_where_the_runs_part_and_keeps_both_traces(tmp_path):
    proc = raftlab("TestInitialElection2A", "--impl", "tests.mutants.raft_string_hash", "--seed", 1, "--runs", 2,
                   "--workers", 2, "--check-determinism", "--output", tmp_path)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1, output
    assert re.search(r"first run: +at 0\.\d+ s: S\d -> S\d send Raft\.request_vote", output), output
    assert "second run: at" in output and "hint: the second run differed only in its PYTHONHASHSEED" in output
    for seed in (1, 2):
        assert (tmp_path / f"TestInitialElection2A-seed{seed}.trace").exists()
        assert (tmp_path / f"TestInitialElection2A-seed{seed}-copy1.trace").exists()
    assert "determinism: 0/2 seeds gave identical traces" in output and "0/2 seeds passed" in output

    proc = raftlab("TestInitialElection2A", "--seed", 1, "--runs", 2, "--workers", 2, "--check-determinism",
                   "--output", tmp_path / "reference")
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "determinism: 2/2 seeds gave identical traces" in output, output
    assert not (tmp_path / "reference").exists()


def test_the_first_difference_names_peers(tmp_path):
    (tmp_path / "a").write_text("1000 ('send', 'xYz', 'Raft.request_vote', 0)\tS2\n"
                                "5000 ('reply', 'xYz', 15)\tS2\n")
    (tmp_path / "b").write_text("1000 ('send', 'xYz', 'Raft.request_vote', 0)\tS2\n"
                                "6000 ('drop-reply', 'xYz')\tS2\n")
    assert _first_difference(tmp_path / "a", tmp_path / "b") == (
        "they part at event 2:\n  first run:  at 0.005000 s: S2 -> S0 reply 15\n"
        "  second run: at 0.006000 s: S2 -> S0 drop-reply")


def test_live_counters_count_seeds_with_the_determinism_check():
    console = Console(file=io.StringIO(), width=120, force_terminal=True, force_interactive=True, record=True)
    with LiveView(console, ["TestReElection2A"], 2) as view:
        for seed in (1, 2):
            view.started(RunSpec("TestReElection2A", seed, 0))
            view.started(RunSpec("TestReElection2A", seed, 1))
        for seed in (1, 2):
            view.finished(Record("TestReElection2A", seed, "passed"))
    last_frame = console.export_text().rsplit("runs", 1)[1]
    assert "2/2" in last_frame   # the progress: seeds, not runs
    assert re.search(r"TestReElection2A +2 +0 +2\s*$", last_frame), last_frame   # nothing left running


def test_no_live_frames_off_a_terminal_and_narrow_tables_keep_their_counts(tmp_path):
    proc = raftlab("TestInitialElection2A", "TestReElection2A", "--impl", "tests.mutants.raft_slow_election",
                   "--seed", 1, "--runs", 2, "--workers", 2, "--output", tmp_path, env={"COLUMNS": "40"})
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1, output
    assert "eta" not in output and "running" not in output   # no progress bar, no live rows
    table = output[output.index("raftlab runs"):output.index("└")]
    assert table.splitlines()[0].strip() == "raftlab runs"   # the title on a line of its own
    assert table.count("0/2") == 2 and table.count("1, 2") == 2 and "…" not in table


def test_the_summary_table_folds_names_never_counts_or_seeds():
    name = "TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B"
    records = [Record(name, seed, "passed" if seed > 20 else "timeout" if seed == 7 else "failed", rpcs=12345)
               for seed in range(1, 501)]
    for width in (80, 50):
        console = Console(file=io.StringIO(), width=width)
        console.print(summary_table(records, [name], width), crop=False)
        text = console.file.getvalue()
        assert "480/500" in text and "7(timeout)," in text and "…" not in text
        assert max(map(len, text.splitlines())) <= width
        assert re.findall(r"(?<![\d/.])(\d+)(?:\(timeout\))?,", text) == [str(seed) for seed in range(1, 11)]


class FakeExecutor:
    """Hands back records decided in advance, in the order given (completion order)."""

    def __init__(self, records):
        self.records = records

    def describe(self):
        return "a fake"

    def run(self, specs, *, on_result, on_start, **options):
        done = RunList()
        for record in self.records:
            on_result(record)
            done.append(record)
        return done

    def close(self):
        pass


def batch(records, tmp_path, **options):
    console = Console(file=io.StringIO(), width=200)
    tests = [get("TestBasicAgree2B"), get("TestBackup2B")]
    status = run_batch(console, tests, seed=1, runs=60, executor=FakeExecutor(records), timeout=60, impl=None,
                       clock="virtual", schedule="fifo", output=tmp_path / "out", check_determinism=False,
                       verbose=False, **{"json_path": None, "junit_path": None, **options})
    return status, console.file.getvalue()


def test_failures_are_sorted_folded_and_point_only_at_files_that_exist(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "TestBackup2B-seed12.log").write_text("log\n")
    records = [Record("TestBackup2B", seed, "failed", f"one({100 + seed}) failed to reach agreement\n  detail {seed}",
                      log_path=str(tmp_path / "out" / f"TestBackup2B-seed{seed}.log")) for seed in (40, 17, 12)]
    records += [Record("TestBasicAgree2B", seed, "failed", f"unlike any other: {'x' * seed}",
                       log_path=str(tmp_path / "nowhere.log")) for seed in range(30, 0, -1)]
    status, output = batch(records, tmp_path)
    assert status == 1
    listing = output[output.index("└"):]
    assert [int(s) for s in re.findall(r"TestBasicAgree2B seed=(\d+)", listing)] == list(range(1, 21))
    assert "TestBackup2B: 3 runs failed with 'one(…) failed to reach agreement', seeds 12, 17, 40" not in listing
    assert "... and 13 more failing runs in 11 more entries (see " + str(tmp_path / "out") + ")" in listing
    assert "nowhere.log" not in listing and "--json" not in listing

    status, output = batch(records[:3], tmp_path, json_path=tmp_path / "r.json")
    listing = output[output.index("└"):]
    assert "TestBackup2B: 3 runs failed with 'one(…) failed to reach agreement', seeds 12, 17, 40" in listing
    assert listing.count("replay:") == 1 and "--seed 12" in listing and "detail 12" in listing
    assert f"log:    {tmp_path / 'out' / 'TestBackup2B-seed12.log'}" in listing


def test_a_single_in_process_run_prints_a_nasty_message_without_crashing(tmp_path):
    (tmp_path / "student" / "raft").mkdir(parents=True)
    (tmp_path / "student" / "raft" / "__init__.py").write_text(textwrap.dedent(NASTY_HANDLER))
    proc = raftlab("TestInitialElection2A", "--impl", tmp_path / "student", "--seed", 1, "--in-process")
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback (most recent call last)" not in output.split("FAIL")[-1], output
    assert "ValueError: bad \\x1b[31m" in output and "UnicodeEncodeError" not in output
