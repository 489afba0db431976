"""Rubrics: the examples check, every kind of mistake is refused naming its line, and the rules score as documented."""
import pytest

from grading.model import RunRow, Submission
from grading.rubric import RubricError, example_rubric, load_rubric, parse_rubric
from grading.scoring import grade_student, score_item

ITEM = '[[item]]\nname = "a"\ntests = ["2A"]\npoints = 10\n'


@pytest.mark.parametrize("which, items", [("lab2", 4), ("lab3", 2), ("both", 6)])
def test_the_example_rubrics_check(which, items):
    rubric = parse_rubric(example_rubric(which))
    assert len(rubric.items) == items
    assert rubric.unknown == "fail" and rubric.timeout == 300
    first = rubric.items[0]   # seeds 1, 2, 3 visible and 7001, 7002 hidden, for each test of the part
    assert first.runs()[:3] == [(first.tests[0], 1, False), (first.tests[0], 2, False), (first.tests[0], 3, False)]
    assert first.runs()[-1] == (first.tests[-1], 7002, True) and len(first.runs()) == 5 * len(first.tests)


@pytest.mark.parametrize("text, line, words", [
    ('seeds = [1]\n' + ITEM.replace('"2A"', '"2Z"'), 4, "unknown test selector '2Z'"),
    (ITEM.replace("10", "-1"), 4, "points = -1: must be at least 0"),
    (ITEM + 'rule = "most"\n', 5, "rule = 'most' is not a rule"),
    (ITEM + 'rule = "threshold"\n', 5, "needs threshold"),
    (ITEM + 'rule = "threshold"\nthreshold = 1.5\n', 6, "threshold = 1.5: must be between 0 and 1"),
    (ITEM + "threshold = 0.5\n", 5, "only with rule = \"threshold\""),
    ('unknown = "maybe"\n' + ITEM, 1, 'write "fail" or "pass"'),
    ("timeout = 0\n" + ITEM, 1, "timeout = 0: must be at least 1"),
    ('seeds = [1, "two"]\n' + ITEM, 1, "seeds must be a list of integers"),
    ("seeds = [3, 3]\n" + ITEM, 1, "lists a seed twice"),
    ("seeds = [1, 2]\nhidden_seeds = [2]\n" + ITEM, 2, "seed(s) 2 are in both seeds and hidden_seeds"),
    ("seeds = [1]\n" + ITEM + "hidden_seeds = [1]\n", 6, "seed(s) 1 are in both"),
    (ITEM.replace("10", "1e400"), 4, "points must be a number, not inf"),
    ("seeds = [18446744073709551617]\n" + ITEM, 1, "seeds are integers from 0 to"),
    (ITEM.replace('"a"', '"Total"'), 2, "may not be named 'Total'"),
    (ITEM + ITEM, 6, "two items are named 'a'"),
    (ITEM + "\n" + ITEM.replace('"a"', '"b"') + "colour = 1\n", 10, "unknown key 'colour' in an item"),
    ("tiemout = 5\n" + ITEM, 1, "unknown key 'tiemout'"),
    ('title = "x"\n', 1, "no [[item]]"),
    ('[[item]]\nname = "a"\ntests = ["2A"]\n', 1, "has no points"),
    ('[[item]]\nname = "a"\npoints = 1\ntests = []\n', 4, "tests must be a list"),
    ("seeds = [1\n" + ITEM, 2, "not valid TOML"),    # where tomllib notices
])
def test_a_bad_rubric_is_refused_naming_its_line(text, line, words):
    with pytest.raises(RubricError) as caught:
        parse_rubric(text, "r.toml")
    assert str(caught.value).startswith(f"r.toml:{line}: "), str(caught.value)
    assert words in str(caught.value)


def test_an_unreadable_rubric_file_is_a_rubric_error(tmp_path):
    with pytest.raises(RubricError, match="cannot read the rubric"):
        load_rubric(tmp_path / "missing.toml")


def test_a_run_in_two_items_is_planned_once_and_visible_wins():
    rubric = parse_rubric('seeds = [1]\nhidden_seeds = [2]\n' + ITEM
                          + '[[item]]\nname = "b"\ntests = ["TestInitialElection2A"]\npoints = 1\nseeds = [2]\n'
                            'hidden_seeds = []\n')
    planned = rubric.planned()
    assert len(planned) == len(set((t, s) for t, s, _ in planned)) == 6
    assert ("TestInitialElection2A", 2, False) in planned     # hidden in "a", visible in "b": shown
    assert ("TestReElection2A", 2, True) in planned


def rows(statuses):
    return [RunRow("s", "h", "TestInitialElection2A", seed, False, status) for seed, status in statuses.items()]


@pytest.mark.parametrize("rule, extra, statuses, points", [
    ("all", "", {1: "passed", 2: "passed", 3: "passed", 4: "passed"}, 10),
    ("all", "", {1: "passed", 2: "passed", 3: "passed", 4: "failed"}, 0),
    ("proportional", "", {1: "passed", 2: "passed", 3: "passed", 4: "timeout"}, 7.5),
    ("threshold", "threshold = 0.75\n", {1: "passed", 2: "passed", 3: "passed", 4: "crashed"}, 10),
    ("threshold", "threshold = 0.8\n", {1: "passed", 2: "passed", 3: "passed", 4: "crashed"}, 0),
    ("all", "", {1: "passed", 2: "passed", 3: "passed"}, 0),            # a run not graded yet is not a pass
])
def test_each_rule_scores_as_documented(rule, extra, statuses, points):
    rubric = parse_rubric(f'seeds = [1, 2, 3, 4]\n[[item]]\nname = "a"\ntests = ["TestInitialElection2A"]\n'
                          f'points = 10\nrule = "{rule}"\n{extra}')
    score = score_item(rubric.items[0], rows(statuses))
    assert score.points == points and score.runs == 4
    assert len(score.failures) == sum(s != "passed" for s in statuses.values())


@pytest.mark.parametrize("unknown, points", [("fail", 0), ("pass", 10)])
def test_an_unknown_verdict_counts_as_the_rubric_says(unknown, points):
    rubric = parse_rubric(f'unknown = "{unknown}"\nseeds = [1]\n[[item]]\nname = "a"\n'
                          f'tests = ["TestInitialElection2A"]\npoints = 10\n')
    assert score_item(rubric.items[0], rows({1: "unknown"}), rubric.unknown).points == points


def test_a_seed_made_hidden_after_it_ran_stays_hidden():
    rubric = parse_rubric('seeds = [1]\nhidden_seeds = [2]\n[[item]]\nname = "a"\ntests = ["TestInitialElection2A"]\n'
                          'points = 10\n')
    stored = rows({1: "passed", 2: "failed"})   # stored when seed 2 was visible: hidden=False
    grade = grade_student(Submission("s", "s", None, "h"), rubric, stored)
    assert [(run.seed, run.hidden) for run in grade.items[0].failures] == [(2, True)]


def test_a_submission_with_a_problem_scores_zero_even_with_passing_runs():
    rubric = parse_rubric('seeds = [1]\n[[item]]\nname = "a"\ntests = ["TestInitialElection2A"]\npoints = 10\n')
    good = Submission("s", "s", None, "h")
    assert grade_student(good, rubric, rows({1: "passed"})).total == 10
    broken = Submission("s", "s", None, "", problem="no raft/ folder")
    grade = grade_student(broken, rubric, rows({1: "passed"}))
    assert grade.total == 0 and grade.max_total == 10


def test_init_rubric_writes_an_example_that_check_rubric_expands(tmp_path):
    import subprocess
    import sys
    raftlab = [sys.executable, "-m", "tester.cli", "grade"]
    made = subprocess.run([*raftlab, "--init-rubric", "lab2", "--rubric", "r.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and (tmp_path / "r.toml").read_text() == example_rubric("lab2")
    again = subprocess.run([*raftlab, "--init-rubric", "lab3", "--rubric", "r.toml"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "r.toml exists" in again.stderr   # never overwritten
    checked = subprocess.run([*raftlab, "--check-rubric", "r.toml"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "4 item(s), 140 run(s) per submission, 100 points" in checked.stdout
    assert "TestInitialElection2A, TestReElection2A, TestManyElections2A" in checked.stdout
