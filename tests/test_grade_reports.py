"""The grading reports: gradebook CSV, grades.json, per-student feedback and the class page, drawn from a
hand-built ClassGrades of four students (full marks; failing with visible and hidden failures under a hostile name
and message; a submission that could not be graded; full marks with an integrity finding)."""
import csv
import json
import re
from pathlib import Path

import pytest

from browser import render_in_chromium
from grading.model import ClassGrades, Finding, ItemScore, RunRow, StudentGrade, Submission
from grading.reports import ReportError, write_reports
from grading.reports.summary import page_data, pass_rates
from grading.reports.text import clean, feedback_stems

RUBRIC_TOML = """
title = "6.5840 lab 2 <spring>"
seeds = [1, 2]
hidden_seeds = [7001]
[[item]]
name = "2A: election"
tests = ["TestInitialElection2A", "TestReElection2A"]
points = 10
[[item]]
name = "2B: agreement"
tests = ["TestBasicAgree2B"]
points = 30
rule = "proportional"
"""
HOSTILE = '=HYPERLINK("x")</script><b>\x1b[31mbob'
MESSAGE = "\n".join([f"line {i:03} </script><b>bold</b> \x1b[31mred\x1b[0m & =cmd|' /C calc'!A0\x07"
                     for i in range(20)])
LOG = "\n".join(f"log line {i:03}" for i in range(60))
SECRET = "SECRET-HIDDEN-MESSAGE"


def make_class():
    from grading.rubric import parse_rubric
    rubric = parse_rubric(RUBRIC_TOML)

    def sub(name, problem=""):
        return Submission(name, Path(f"/class/{name}"), None if problem else Path(f"/class/{name}"),
                          "" if problem else f"hash-{name}", problem)

    def full(name, integrity=()):
        items = [ItemScore("2A: election", 10, 10, 6, 6), ItemScore("2B: agreement", 30, 30, 3, 3)]
        return StudentGrade(sub(name), items, list(integrity))

    visible = RunRow(HOSTILE, f"hash-{HOSTILE}", "TestReElection2A", 2, False, "failed", MESSAGE, log_tail=LOG)
    hidden = RunRow(HOSTILE, f"hash-{HOSTILE}", "TestInitialElection2A", 7001, True, "failed", SECRET, log_tail=SECRET)
    timeout = RunRow(HOSTILE, f"hash-{HOSTILE}", "TestBasicAgree2B", 1, False, "timeout", "stuck", log_tail="")
    bob = StudentGrade(sub(HOSTILE), [ItemScore("2A: election", 0, 10, 6, 4, [visible, hidden]),
                                      ItemScore("2B: agreement", 20, 30, 3, 2, [timeout])])
    carol = StudentGrade(sub("@carol", problem="no raft/ folder in carol.zip"),
                         [ItemScore("2A: election", 0, 10, 0, 0), ItemScore("2B: agreement", 0, 30, 0, 0)])
    dave = full("dave", [Finding("raft/raft.py", 3, "imports ctypes")])
    grades = ClassGrades(rubric, [full("alice"), bob, carol, dave], similar=[("alice", "dave", 0.97)])
    return grades, (visible, hidden, timeout)


def all_runs(grades, failures):
    """Every run of the class: 3 real seconds each, bob's 5; plus a stale one of an earlier alice."""
    failed = {(r.submission, r.test, r.seed): r for r in failures}
    runs = [RunRow("alice", "old-hash", "TestBasicAgree2B", 1, False, "failed", real_s=1000.0)]
    for student in grades.students:
        name = student.submission.name
        if student.submission.problem:
            continue
        for test, seed, hidden in grades.rubric.planned():
            runs.append(failed.get((name, test, seed)) or RunRow(name, f"hash-{name}", test, seed, hidden, "passed"))
            runs[-1].real_s = 5.0 if name == HOSTILE else 3.0
    return runs


@pytest.fixture
def reports(tmp_path):
    grades, failures = make_class()
    written = write_reports(grades, tmp_path / "out", runs=all_runs(grades, failures))
    return grades, written


def feedback_of(written, name, suffix):
    names = sorted([HOSTILE, "@carol", "alice", "dave"], key=lambda n: (n.casefold(), n))
    stem = feedback_stems(names)[names.index(name)]
    return (written["feedback"] / f"{stem}{suffix}").read_text(encoding="utf-8")


def test_the_gradebook_has_a_row_per_student_and_no_formula(reports):
    _, written = reports
    assert set(written) == {"gradebook", "json", "index", "feedback"}
    with open(written["gradebook"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student", "2A: election", "2B: agreement", "total", "max_total", "problem",
                       "integrity_findings", "missing_runs"]
    assert rows[1:] == [["'=HYPERLINK(\"x\")</script><b>\ufffd[31mbob", "0", "20", "20", "40", "", "0", "0"],
                        ["'@carol", "0", "0", "0", "40", "no raft/ folder in carol.zip", "0", "0"],
                        ["alice", "10", "30", "40", "40", "", "0", "0"],
                        ["dave", "10", "30", "40", "40", "", "1", "0"]]
    assert not re.search(r'(^|,)"?[=+@-]', written["gradebook"].read_text(), re.M)  # no cell starts a formula


def test_grades_json_holds_everything_with_hidden_details(reports):
    _, written = reports
    data = json.loads(written["json"].read_text())
    assert data["rubric"]["title"] == "6.5840 lab 2 <spring>"
    assert [i["hidden_seeds"] for i in data["rubric"]["items"]] == [[7001], [7001]]
    bob = data["students"][0]
    assert (bob["name"], bob["total"], bob["max_total"], bob["real_s"]) == (HOSTILE, 20, 40, 45.0)
    failures = bob["items"][0]["failures"]
    assert [(f["test"], f["seed"], f["hidden"], f["status"]) for f in failures] == [
        ("TestReElection2A", 2, False, "failed"), ("TestInitialElection2A", 7001, True, "failed")]
    assert failures[0]["message"] == MESSAGE and failures[1]["message"] == SECRET  # exact, control chars too
    assert data["students"][1]["problem"] == "no raft/ folder in carol.zip"
    assert data["students"][2]["real_s"] == 27.0  # alice's stale run of an earlier version is not counted
    assert data["students"][3]["integrity"] == [{"path": "raft/raft.py", "line": 3, "what": "imports ctypes"}]
    assert data["similar"] == [{"a": "alice", "b": "dave", "similarity": 0.97}]


def test_feedback_shows_visible_failures_with_replay_and_hides_hidden_seeds(reports):
    _, written = reports
    for suffix in (".md", ".html"):
        text = feedback_of(written, HOSTILE, suffix)
        assert "raftlab replay TestReElection2A --seed 2 --impl ." in text
        assert "raftlab replay TestBasicAgree2B --seed 1 --impl ." in text
        assert "1 run(s) on hidden seeds failed" in text
        assert "7001" not in text and SECRET not in text
        assert "line 011" in text and "line 012" not in text and "8 more line(s)" in text     # first 12 lines
        assert "log line 059" in text and "log line 020" in text and "log line 019" not in text   # last 40
        assert "\x1b" not in text and "\x07" not in text
    html_page = feedback_of(written, HOSTILE, ".html")
    assert "</script>" not in html_page
    assert "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html_page and "<b>bold" not in html_page
    assert not re.search(r"""(src|href)\s*=|<link|@import|url\(|<script""", html_page, re.I)
    md = feedback_of(written, HOSTILE, ".md")
    assert md.startswith(r'# Feedback for =HYPERLINK("x")\</script\>\<b\>bob')  # text; colour code dropped
    assert "```\nline 000 </script><b>bold</b> red & =cmd|' /C calc'!A0\ufffd\n" in md  # literal in a code block


def test_feedback_of_a_problem_and_of_an_integrity_finding(reports):
    _, written = reports
    assert '<p class="problem" id="problem"><b>Your submission could not be graded:</b> no raft/ folder' in \
        feedback_of(written, "@carol", ".html")
    assert "> **Your submission could not be graded:** no raft/ folder" in feedback_of(written, "@carol", ".md")
    for suffix in (".md", ".html"):
        text = feedback_of(written, "dave", suffix)
        assert "40 / 40" in text and "ctypes" not in text and "raft.py" not in text  # staff only


def test_pass_rates_from_the_plan_equal_those_from_the_runs():
    grades, failures = make_class()
    expected = [{"test": "TestInitialElection2A", "runs": 9, "passed": 8, "failed_students": 1},
                {"test": "TestReElection2A", "runs": 9, "passed": 8, "failed_students": 1},
                {"test": "TestBasicAgree2B", "runs": 9, "passed": 8, "failed_students": 1}]
    assert pass_rates(grades) == expected
    assert pass_rates(grades, all_runs(grades, failures)) == expected
    assert page_data(grades)["times"] is False


def test_the_class_page_embeds_its_data_safely(reports):
    _, written = reports
    page = written["index"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|<link|@import|url\(""", page, re.I)
    assert "<b>" not in page and page.count("</script>") == 3  # the error hook, the data, the drawing script
    blob = re.search(r'<script type="application/json" id="class-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob)
    assert [s["name"] for s in data["students"]] == [HOSTILE, "@carol", "alice", "dave"]
    assert [s["real_s"] for s in data["students"]] == [45.0, 0.0, 27.0, 27.0]


def test_chromium_draws_the_class_page_and_a_feedback_page(reports, tmp_path):
    _, written = reports
    attrs, dom = render_in_chromium(written["index"], tmp_path)
    assert attrs["data-script-errors"] == "" and attrs["data-ready"] == "true"
    assert attrs["data-students"] == "4"
    assert attrs["data-histogram-bars"] == "3"  # 0-10%: carol; 50-60%: bob; 90-100%: alice and dave
    bars = re.findall(r'<rect [^>]*class="bar" data-bin="(\d)" data-count="(\d)"', dom)
    assert sorted(bars) == [("0", "1"), ("5", "1"), ("9", "2")]
    links = re.findall(r'href="(feedback/[^"]+\.html)"', dom)
    assert len(links) == 4 and all((written["index"].parent / link).is_file() for link in links)
    assert "&lt;/script&gt;&lt;b&gt;\x1b[31mbob" in dom and "<b>" not in dom  # the name is text, not markup
    assert "raft/raft.py:3  imports ctypes" in dom and "97%" in dom  # staff sections
    slowest = dom.split('id="slowest"')[1].split("</table>")[0]
    assert slowest.index("bob") < slowest.index("alice")  # 45 s before 27 s

    feedback = written["feedback"] / Path(links[0]).name  # the first row: bob
    attrs, dom = render_in_chromium(feedback, tmp_path)
    assert attrs["data-failing-runs"] == "2" and dom.count('<section class="run">') == 2
    assert "<script" not in dom and "&lt;b&gt;bold&lt;/b&gt;" in dom and "<b>bold" not in dom


def test_chromium_reports_a_script_error_in_a_broken_page(reports, tmp_path):
    """The check above can fail: a page whose data its script cannot draw says so."""
    _, written = reports
    broken = tmp_path / "broken.html"
    broken.write_text(written["index"].read_text().replace('"students":[', '"students":[null,', 1))
    attrs, _ = render_in_chromium(broken, tmp_path)
    assert attrs["data-script-errors"] != "" and attrs["data-ready"] == "false"


def test_names_become_safe_distinct_file_stems_and_text_is_cleaned():
    stems = feedback_stems(["alice", "Alice", HOSTILE, "a b", "a_b", "../etc", "alice"])
    assert stems[0] == "alice" and stems[1] == "Alice-2" and stems[6] == "alice-3"
    assert len({s.lower() for s in stems}) == len(stems)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s) for s in stems)
    assert clean("\x1b[31mred\x1b[0m\x00 \ud800\r\nok") == "red\ufffd \ufffd\nok"


def test_an_unwritable_folder_is_named(tmp_path):
    grades, _ = make_class()
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(ReportError, match="taken"):
        write_reports(grades, tmp_path / "taken")
