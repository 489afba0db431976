"""The records grading passes around: a submission, one graded run, a score per rubric item, a student's grade.

    Submission(name, source, root, content_hash, problem="")   one student's work, found in the class folder
    RunRow(submission, content_hash, test, seed, hidden, status, message, virtual_s, real_s, rpcs, log_tail)
                                                one run of one test on one seed, as the database keeps it
    ItemScore(item, points, max_points, runs, passed, failures, missing)   one rubric item of one student
    StudentGrade(submission, items, integrity)  .total, .max_total; integrity: the static scan's findings
    Finding(path, line, what)                   one line of a submission that has no business in a lab
    ClassGrades(rubric, students, similar)      what every report is drawn from; similar: near-identical pairs

Statuses are the runner's (tester.runner.Record): "passed", "failed", "timeout", "crashed", "unknown"; a
submission that could not be graded at all (no raft/, an archive that does not open) has a `problem` and no runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    """One student's work. name: the student folder's or archive's name without suffix (the gradebook's row
    key); source: the folder or archive as found; root: the folder that holds raft/ (and kvraft/), after any
    extraction, or None when it could not be found; content_hash: sha256 hex of the files under root (names and
    bytes), "" when root is None; problem: why it cannot be graded, "" when it can."""
    name: str
    source: Path
    root: Path | None
    content_hash: str
    problem: str = ""


@dataclass
class RunRow:
    """One finished run, as written to the database. hidden: the seed is one of the rubric's hidden seeds
    (scored, but its details are kept out of what the student sees). log_tail: the end of a failing run's log,
    "" for a passing one. virtual_s / real_s: seconds on the simulation's clock / on the wall."""
    submission: str
    content_hash: str
    test: str
    seed: int
    hidden: bool
    status: str
    message: str = ""
    virtual_s: float = 0.0
    real_s: float = 0.0
    rpcs: int = 0
    log_tail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class ItemScore:
    """One rubric item of one student: points earned of max_points, over `runs` runs of which `passed` passed
    (UNKNOWN counted as the rubric says); failures: the failing RunRows, visible and hidden; missing: runs the
    database does not hold yet (grading unfinished), counted as not passed."""
    item: str
    points: float
    max_points: float
    runs: int
    passed: int
    failures: list[RunRow] = field(default_factory=list)
    missing: int = 0


@dataclass(frozen=True)
class Finding:
    """A line of a submission worth a look by staff (never scored). path: relative to the submission's root."""
    path: str
    line: int
    what: str


@dataclass
class StudentGrade:
    """A student's grade: one ItemScore per rubric item, in the rubric's order (all zero for a submission with a
    problem), and the integrity scan's findings."""
    submission: Submission
    items: list[ItemScore]
    integrity: list[Finding] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def missing(self) -> int:
        """Runs the rubric asks for that the database does not hold yet: the grade is not final while > 0."""
        return 0 if self.submission.problem else sum(item.missing for item in self.items)

    @property
    def max_total(self) -> float:
        return sum(item.max_points for item in self.items)


@dataclass
class ClassGrades:
    """Everything the reports show. similar: (name_a, name_b, similarity 0..1) for near-identical pairs."""
    rubric: object                     # grading.rubric.Rubric
    students: list[StudentGrade]
    similar: list[tuple[str, str, float]] = field(default_factory=list)
