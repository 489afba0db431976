"""The class summary page, index.html: for staff, self-contained, drawn by its own script from embedded JSON.

    pass_rates(grades, runs=None) -> [{"test", "runs", "passed", "failed_students"}]   per test, in rubric order
    page_data(grades, runs=None) -> dict      what the page's script draws (see below)
    page_html(grades, runs=None) -> str       the page (summary_page.PAGE_TEMPLATE filled in)
    write_index(grades, path, runs=None) -> Path
    embed_json(data) -> str                   JSON that cannot end the <script> element it is put in

page_data: {"title", "times": whether real seconds are known, "tests": pass_rates,
            "students": [{"name", "stem" (its feedback/<stem>.html), "total", "max", "problem", "failed" (failing
                          runs, hidden ones too), "findings": [[path, line, what]], "real_s": float or null}],
            "similar": [[name_a, name_b, similarity 0..1]]}

Pass rates and the slowest submissions. ClassGrades keeps only failing runs, so without `runs` a test's runs are
what the rubric planned for each gradable submission and its passes are those minus the distinct failing (test,
seed) pairs; run times are then unknown and the page says so. With `runs` (every RunRow of the class; rows whose
content_hash is not the submission's current one are ignored) both are counted from the runs themselves, an
UNKNOWN verdict passing when the rubric says unknown = "pass". Submissions with a problem have no runs: they count
in the score distribution (at zero) but not in pass rates.

The JSON goes inside <script type="application/json"> with "<", ">" and "&" written as \\u escapes, so no string
(a student named `</script>...`) can end the element; the script puts every string in the page as text.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from grading.reports.export import real_seconds
from grading.reports.gradebook import students_by_name
from grading.reports.summary_page import PAGE_TEMPLATE
from grading.reports.text import feedback_stems


def pass_rates(grades, runs=None) -> list[dict]:
    """Per test of the rubric (in planned order): runs counted, runs passed, submissions with a failing run."""
    planned = grades.rubric.planned()
    order = list(dict.fromkeys(test for test, _, _ in planned))
    total, passed, failed_by = Counter(), Counter(), defaultdict(set)
    if runs is None:
        per_student = Counter(test for test, _, _ in planned)
        for student in grades.students:
            if student.submission.problem:
                continue
            failed = {(run.test, run.seed) for score in student.items for run in score.failures}
            for test in order:
                lost = sum(1 for t, _ in failed if t == test)
                total[test] += per_student[test]
                passed[test] += per_student[test] - lost
                if lost:
                    failed_by[test].add(student.submission.name)
    else:
        current = {s.submission.name: s.submission.content_hash for s in grades.students}
        counts_as_pass = ("passed", "unknown") if grades.rubric.unknown == "pass" else ("passed",)
        seen, planned_tests = set(), set(order)
        for run in runs:
            key = (run.submission, run.test, run.seed)
            if run.test not in planned_tests or current.get(run.submission) != run.content_hash or key in seen:
                continue
            seen.add(key)
            total[run.test] += 1
            if run.status in counts_as_pass:
                passed[run.test] += 1
            else:
                failed_by[run.test].add(run.submission)
    return [{"test": t, "runs": total[t], "passed": passed[t], "failed_students": len(failed_by[t])} for t in order]


def page_data(grades, runs=None) -> dict:
    """The page's data (see the module docstring); students in the gradebook's order."""
    ordered = students_by_name(grades)
    stems = feedback_stems([s.submission.name for s in ordered])
    seconds = real_seconds(grades, runs)
    students = [{"name": s.submission.name, "stem": stem, "total": s.total, "max": s.max_total,
                 "problem": s.submission.problem,
                 "failed": len({(r.test, r.seed) for score in s.items for r in score.failures}),
                 "findings": [[f.path, f.line, f.what] for f in s.integrity],
                 "real_s": None if seconds is None else seconds[s.submission.name]}
                for s, stem in zip(ordered, stems)]
    return {"title": grades.rubric.title, "times": seconds is not None, "tests": pass_rates(grades, runs),
            "students": students, "similar": [[a, b, sim] for a, b, sim in grades.similar]}


def embed_json(data) -> str:
    """`data` as JSON that is safe inside a <script> element: ASCII, with "<", ">" and "&" as \\u escapes."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_html(grades, runs=None) -> str:
    """The whole page as a string."""
    fill = {"__TITLE__": html.escape(grades.rubric.title), "__DATA__": embed_json(page_data(grades, runs))}
    return re.sub("__TITLE__|__DATA__", lambda m: fill[m.group(0)], PAGE_TEMPLATE)  # one pass: no re-filling


def write_index(grades, path: Path, runs=None) -> Path:
    """Write page_html(grades, runs) to `path` (UTF-8); returns `path`."""
    Path(path).write_text(page_html(grades, runs), encoding="utf-8")
    return Path(path)
