"""Scores from runs: the rubric's rule applied to each item of each student.

    score_item(item, runs, unknown="fail") -> ItemScore    runs: the student's RunRows (any tests); only the
                                                           item's (test, seed) pairs count
    grade_student(sub, rubric, runs, findings=()) -> StudentGrade
    grade_class(rubric, store) -> ClassGrades              every submission in the database, its current runs

Rules (grading.rubric): "all" gives the points only when every run passed; "proportional" gives points times the
pass rate; "threshold" gives the points when the pass rate reaches the item's threshold. An UNKNOWN
linearizability verdict counts as a pass or a failure as the rubric says. A run the database does not hold yet
(grading stopped part-way) counts as not passed, so a partial grade is never higher than the final one; a
submission with a problem scores zero everywhere.
"""

from __future__ import annotations

from dataclasses import replace

from grading.model import ClassGrades, ItemScore, RunRow, StudentGrade, Submission


def score_item(item, runs: list[RunRow], unknown: str = "fail") -> ItemScore:
    """Score one rubric item (grading.rubric.Item) from a student's runs."""
    by_key = {(row.test, row.seed): row for row in runs}
    wanted = item.runs()
    passed, failures, missing = 0, [], 0
    for test, seed, _ in wanted:
        row = by_key.get((test, seed))
        if row is None:
            missing += 1
            continue
        if row.passed or (row.status == "unknown" and unknown == "pass"):
            passed += 1
        else:
            failures.append(row)
    rate = passed / len(wanted) if wanted else 0.0
    if item.rule == "all":
        points = item.points if passed == len(wanted) else 0.0
    elif item.rule == "proportional":
        points = round(item.points * rate, 2)
    else:
        points = item.points if rate >= item.threshold else 0.0
    return ItemScore(item.name, points, item.points, len(wanted), passed, failures, missing)


def grade_student(sub: Submission, rubric, runs: list[RunRow], findings=()) -> StudentGrade:
    """A student's grade: one ItemScore per rubric item; zero points for a submission with a problem. Whether a
    run is hidden is the rubric's word, not the database's: a seed made hidden since it ran stays hidden."""
    if sub.problem:
        runs = []
    hidden = {(test, seed): secret for test, seed, secret in rubric.planned()}
    runs = [replace(row, hidden=hidden.get((row.test, row.seed), row.hidden)) for row in runs]
    return StudentGrade(sub, [score_item(item, runs, rubric.unknown) for item in rubric.items], list(findings))


def grade_class(rubric, store) -> ClassGrades:
    """Every submission the database holds, graded from its current runs by `rubric`."""
    runs: dict[str, list[RunRow]] = {}
    for row in store.runs():
        runs.setdefault(row.submission, []).append(row)
    students = [grade_student(sub, rubric, runs.get(sub.name, []), findings)
                for sub, findings in store.submissions()]
    return ClassGrades(rubric, students, store.similar())
