"""Grading a class: find the submissions, scan them, run what the database lacks, keep every result as it comes.

    grade_folder(folder, rubric, store, executor, *, scratch, output_dir, view=None) -> GradingRun
        folder: one entry per student (grading.submissions); scratch: where archives are unpacked; output_dir: the
        logs of failing runs. Runs only the (submission, test, seed) the store has no row for, submission by
        submission; a changed submission is graded afresh; submissions gone from the folder leave the gradebook.
        view: an object with .planned(subs, specs), .started(spec), .finished(record, row) (grading.live.GradeView)
    GradingRun(submissions, planned, ran, interrupted, stopped)   what happened, for the exit status
    grade_runs(sub, planned) -> [RunSpec]   those runs of one submission (impl = its folder, tag = its name)
    as_the_student_sees_it(text, root) -> str   a message or log with the submission's folder written as "."

Every run's student code runs isolated (the default of tester.runner); nothing here runs it in-process. A run that
hangs, crashes, floods or forks fails that run with its status, and grading goes on with the next.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from grading.executor import log_tail
from grading.model import RunRow, Submission
from tester.runner import RunSpec

MESSAGE_LIMIT = 8000   # characters of a run's message kept in the database: the start says what went wrong


@dataclass
class GradingRun:
    """submissions: all found; planned: runs that were missing before this grading; ran: runs that finished and
    were stored now; interrupted: Ctrl-C; stopped: why the runner stopped early (raftlab's own files changed)."""
    submissions: list[Submission]
    planned: int
    ran: int
    interrupted: bool = False
    stopped: str = ""


def grade_runs(sub: Submission, planned) -> list[RunSpec]:
    """RunSpecs for one submission's (test, seed, hidden) triples: its own impl folder, its name as the tag."""
    return [RunSpec(test, seed, impl=str(Path(sub.root).resolve()), tag=sub.name) for test, seed, _ in planned]


def as_the_student_sees_it(text: str, root) -> str:
    """`text` with the submission's folder on this machine written as "." (the student runs the replay command
    from the folder that holds raft/): the grader's paths are no business of the student's."""
    folder = str(Path(root).resolve())
    return text.replace(folder + "/", "./").replace(folder, ".")


def needs_kvraft(rubric) -> bool:
    """Whether any item tests lab 3, so that a submission without kvraft/ cannot be graded."""
    return any(test.endswith(("3A", "3B")) for item in rubric.items for test in item.tests)


def grade_folder(folder, rubric, store, executor, *, scratch: Path, output_dir: Path, view=None) -> GradingRun:
    """Grade every submission in `folder` by `rubric` into `store`; see the module docstring."""
    from grading.integrity import scan, similar_pairs
    from grading.submissions import find_submissions

    subs = find_submissions(Path(folder), Path(scratch), need_kvraft=needs_kvraft(rubric))
    store.use_rubric(rubric)
    store.forget_except([sub.name for sub in subs])
    for sub in subs:
        store.note_submission(sub, scan(sub.root) if sub.root else [])
    gradable = {sub.name: sub.root for sub in subs if sub.root}
    key = hashlib.sha256(repr(sorted((sub.name, sub.content_hash) for sub in subs if sub.root)).encode()).hexdigest()
    try:
        if store.similar_key() != key:   # comparing every pair is the slow part of a resume: only when changed
            store.set_similar(similar_pairs(gradable), key)
    except ImportError as exc:   # copydetect comes with the grade extra; the grades do not need it
        if view:
            view.note(f"near-identical submissions not compared ({exc.name} is missing): pip install "
                      f"'raftlab[grade]'")

    hidden: dict[tuple[str, str, int], bool] = {}
    specs: list[RunSpec] = []
    by_name = {sub.name: sub for sub in subs}
    for sub in subs:
        if sub.problem:
            continue
        missing = store.missing(sub, rubric.planned(), rubric.timeout)
        specs += grade_runs(sub, missing)
        hidden.update({(sub.name, test, seed): secret for test, seed, secret in missing})
    if view:
        view.planned(subs, specs)

    stored = 0

    def finished(record) -> None:
        nonlocal stored
        sub = by_name[record.tag]
        tail = log_tail(record.log_path) if not record.passed else ""
        row = RunRow(sub.name, sub.content_hash, record.test, record.seed, hidden[(sub.name, record.test,
                     record.seed)], record.status, as_the_student_sees_it(record.message[:MESSAGE_LIMIT], sub.root),
                     record.virtual_s, record.real_s, record.rpcs, as_the_student_sees_it(tail, sub.root))
        store.add_run(row, rubric.timeout)
        stored += 1
        if view:
            view.finished(record, row)

    records = executor.run(specs, timeout=rubric.timeout, output_dir=Path(output_dir), on_result=finished,
                           on_start=view.started if view else None) if specs else None
    if records is None:
        return GradingRun(subs, 0, 0)
    return GradingRun(subs, len(specs), stored, records.interrupted, records.stopped)
