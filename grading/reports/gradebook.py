"""The gradebook CSV: one row per student, a column per rubric item, for spreadsheets and course sites.

    write_gradebook(grades, path) -> Path   columns: student, one per rubric item (header = the item's name),
                                            total, max_total, problem, integrity_findings (a count), missing_runs
                                            (not graded yet: the total is not final while > 0); rows sorted by
                                            name (case-insensitive); points as text with at most 2 decimals
    csv_safe(value) -> str                  a text cell a spreadsheet will not run as a formula, without control
                                            characters

Student folder names reach this file, and a spreadsheet runs a cell that starts with "=", "+", "-", "@",
a tab or a carriage return as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). So, as OWASP's "CSV Injection"
page recommends, such a text cell is prefixed with a single quote; the csv module quotes the rest. Numbers are
written by this module and never start with those characters. Control characters in text become U+FFFD so that
`cat gradebook.csv` cannot be steered by a terminal escape in a folder name.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grading.reports.text import points, printable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: str) -> str:
    """`value` with a leading "'" when a spreadsheet would take it for a formula, and its control characters
    replaced by U+FFFD (text.printable)."""
    value = printable(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def students_by_name(grades) -> list:
    """grades.students in the reports' order: by name case-insensitively, then exactly, then by source."""
    return sorted(grades.students, key=lambda s: (s.submission.name.casefold(), s.submission.name,
                                                  str(s.submission.source)))


def gradebook_rows(grades) -> list[list[str]]:
    """The CSV's rows, header first, every cell a string (what write_gradebook writes)."""
    names = [item.name for item in grades.rubric.items]
    rows = [[csv_safe(h) for h in ["student", *names, "total", "max_total", "problem", "integrity_findings",
                                               "missing_runs"]]]
    for student in students_by_name(grades):
        scores = {score.item: score for score in student.items}
        cells = [points(scores[name].points) if name in scores else "" for name in names]
        rows.append([csv_safe(student.submission.name), *cells, points(student.total), points(student.max_total),
                     csv_safe(student.submission.problem), str(len(student.integrity)), str(student.missing)])
    return rows


def write_gradebook(grades, path: Path) -> Path:
    """Write the gradebook (UTF-8, no BOM, "\\r\\n" line ends as RFC 4180 says) to `path`; returns `path`.
    Raises OSError when it cannot be written."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(gradebook_rows(grades))
    Path(path).write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return Path(path)
