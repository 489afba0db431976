"""grades.json: everything the reports know, for other tools (the staff's file: hidden seeds included).

    grades_data(grades, runs=None) -> dict      the document below, as plain data
    write_json(grades, path, runs=None) -> Path

    {"format": "raftlab-grades/1",
     "rubric": {"title", "path", "digest", "timeout", "unknown",
                "items": [{"name", "tests", "points", "rule", "threshold", "seeds", "hidden_seeds"}]},
     "students": [{"name", "source", "content_hash", "problem", "total", "max_total",
                   "real_s": seconds of all its runs, or null when `runs` was not given,
                   "items": [{"item", "points", "max_points", "runs", "passed",
                              "failures": [{"test", "seed", "hidden", "status", "message", "log_tail",
                                            "virtual_s", "real_s", "rpcs"}]}],
                   "integrity": [{"path", "line", "what"}]}],          students sorted as in the gradebook
     "similar": [{"a", "b", "similarity"}]}                             similarity in 0..1

Strings are kept exactly (control characters included) and written as JSON escapes (ASCII output), so any tool
reads them back unchanged. `runs` (every RunRow of the class) only adds the real seconds; a run whose
content_hash is not its submission's current one is left from an earlier version of that submission and ignored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from grading.reports.gradebook import students_by_name

FORMAT = "raftlab-grades/1"


def real_seconds(grades, runs) -> dict[str, float] | None:
    """Seconds on the wall of each submission's current runs, by name; None when runs is None."""
    if runs is None:
        return None
    current = {s.submission.name: s.submission.content_hash for s in grades.students}
    total: dict[str, float] = defaultdict(float)
    for run in runs:
        if current.get(run.submission) == run.content_hash:
            total[run.submission] += run.real_s
    return {name: total.get(name, 0.0) for name in current}


def _failure(run) -> dict:
    return {"test": run.test, "seed": run.seed, "hidden": run.hidden, "status": run.status, "message": run.message,
            "log_tail": run.log_tail, "virtual_s": run.virtual_s, "real_s": run.real_s, "rpcs": run.rpcs}


def grades_data(grades, runs=None) -> dict:
    """The whole document (see the module docstring) as dicts, lists and scalars."""
    rubric, seconds = grades.rubric, real_seconds(grades, runs)
    items = [{"name": i.name, "tests": list(i.tests), "points": i.points, "rule": i.rule, "threshold": i.threshold,
              "seeds": list(i.seeds), "hidden_seeds": list(i.hidden_seeds)} for i in rubric.items]
    students = []
    for student in students_by_name(grades):
        sub = student.submission
        students.append({
            "name": sub.name, "source": str(sub.source), "content_hash": sub.content_hash, "problem": sub.problem,
            "total": student.total, "max_total": student.max_total,
            "real_s": None if seconds is None else seconds[sub.name],
            "items": [{"item": s.item, "points": s.points, "max_points": s.max_points, "runs": s.runs,
                       "passed": s.passed, "failures": [_failure(run) for run in s.failures]}
                      for s in student.items],
            "integrity": [{"path": f.path, "line": f.line, "what": f.what} for f in student.integrity]})
    return {"format": FORMAT,
            "rubric": {"title": rubric.title, "path": rubric.path, "digest": rubric.digest,
                       "timeout": rubric.timeout, "unknown": rubric.unknown, "items": items},
            "students": students,
            "similar": [{"a": a, "b": b, "similarity": sim} for a, b, sim in grades.similar]}


def write_json(grades, path: Path, runs=None) -> Path:
    """Write grades_data(grades, runs) to `path` as indented ASCII JSON; returns `path`."""
    Path(path).write_text(json.dumps(grades_data(grades, runs), indent=1) + "\n", encoding="ascii")
    return Path(path)
