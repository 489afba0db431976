"""Every report of a graded class, drawn from a grading.model.ClassGrades, written into one folder.

    write_reports(grades, out, runs=None) -> {kind: Path}   writes the files below into `out` (created) and returns
                                        {"gradebook", "json", "index", "feedback"} (the last: the feedback folder)
    ReportError                         a folder or file that cannot be written; the message names it

    out/gradebook.csv           gradebook.write_gradebook: a row per student, a column per item, total, max_total,
                                problem, integrity_findings; formula-looking text cells prefixed with "'"
    out/grades.json             export.write_json: all of it, hidden seeds' details included (staff's file)
    out/feedback/<stem>.md      feedback.write_feedback: what a student may see (no hidden seed, no integrity
    out/feedback/<stem>.html    finding); <stem>: text.feedback_stems of the student's name
    out/index.html              summary.write_index: the class page (staff's: integrity findings, similar pairs)

runs: every RunRow of the class, optional. ClassGrades keeps only failing runs, so without it pass rates come from
the rubric's plan and the slowest submissions are not known (the page says so); with it both come from the runs.
Files are replaced in place; feedback files of students no longer in the class are left alone.
"""

from __future__ import annotations

from pathlib import Path

from grading.reports.export import write_json
from grading.reports.feedback import write_feedback
from grading.reports.gradebook import students_by_name, write_gradebook
from grading.reports.summary import write_index
from grading.reports.text import feedback_stems


class ReportError(Exception):
    """The reports could not be written; the message starts with the path at fault."""


def write_reports(grades, out: Path, runs=None) -> dict[str, Path]:
    """Write the gradebook, grades.json, the feedback files and index.html into `out` (made with its parents).
    grades: a ClassGrades; runs: list of RunRow or None. Raises ReportError when a file cannot be written."""
    out = Path(out)
    ordered = students_by_name(grades)
    stems = feedback_stems([s.submission.name for s in ordered])  # the same stems page_data links to
    written = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        written["gradebook"] = write_gradebook(grades, out / "gradebook.csv")
        written["json"] = write_json(grades, out / "grades.json", runs)
        write_feedback(ordered, grades.rubric, out / "feedback", stems)
        written["feedback"] = out / "feedback"
        written["index"] = write_index(grades, out / "index.html", runs)
    except OSError as exc:
        raise ReportError(f"{exc.filename or out}: cannot write the reports: {exc.strerror or exc}") from None
    return written
