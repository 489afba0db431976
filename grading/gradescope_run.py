"""`raftlab grade --gradescope`: grade the one submission of a Gradescope autograder container.

    run_gradescope(console, rubric, root, workers=None) -> exit status (0 once results.json is written)

Reads ROOT/submission (the student's upload: raft/ there or one level down, or an archive of it), grades it with
the same code as a class (isolated runs, the rubric's seeds and limits) into a database under a scratch folder,
and writes ROOT/results/results.json (grading.gradescope). Whatever goes wrong, a valid results.json with score 0
and the reason is written, so the student sees why instead of Gradescope's "autograder failed".
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from rich.markup import escape


def run_gradescope(console, rubric, root: Path, workers: int | None = None) -> int:
    """Grade ROOT/submission by `rubric`; write ROOT/results/results.json. Returns 0 when it was written, 1 if
    even the failure results could not be."""
    from grading.executor import LocalExecutor
    from grading.gradescope import autograder_paths, failure_results, results_json, write_results
    from grading.grade import grade_folder
    from grading.live import GradeView
    from grading.scoring import grade_class
    from grading.store import Store

    submission, results_file, _ = autograder_paths(root)
    started = time.monotonic()
    if not submission.is_dir():
        data = failure_results(f"raftlab: no submission folder at {submission}", execution_time=0.0)
    else:
        with tempfile.TemporaryDirectory(prefix="raftlab-gradescope-") as scratch:
            # The grader takes a folder of students; here the class is this one student, named "submission".
            classroom = Path(scratch) / "class"
            shutil.copytree(submission, classroom / "submission", symlinks=True)
            store = Store(Path(scratch) / "grades.sqlite")
            with GradeView(console) as view:
                outcome = grade_folder(classroom, rubric, store, LocalExecutor(workers), scratch=Path(scratch) /
                                       "extracted", output_dir=Path(scratch) / "logs", view=view)
            grades = grade_class(rubric, store)
            store.close()
            elapsed = time.monotonic() - started
            if outcome.stopped or outcome.interrupted or outcome.ran != outcome.planned:
                why = outcome.stopped or "grading was interrupted"
                data = failure_results(f"raftlab could not finish grading: {why}", execution_time=elapsed)
            else:
                data = results_json(grades.students[0], rubric, execution_time=elapsed)
    try:
        write_results(data, results_file)
    except (OSError, ValueError) as exc:
        console.print(f"[bold red]cannot write {escape(str(results_file))}[/]: {escape(str(exc))}", soft_wrap=True)
        return 1
    console.print(f"results: {escape(str(results_file))} (score {data.get('score', 0):g})", soft_wrap=True)
    return 0
