"""Gradescope: results.json for one student's grade, its validation, and the autograder bundle.

    autograder_paths(root) -> (submission_dir, results_file, source_dir)   the Gradescope layout under root
    results_json(grade, rubric, *, execution_time) -> dict   a StudentGrade in Gradescope's results.json format
    failure_results(message, *, execution_time=0.0) -> dict  results.json when nothing could be graded (score 0)
    write_results(data, results_file) -> Path       write results.json (checked first; ValueError if invalid)
    validate_results(data) -> [str]                 what is wrong with a results dict; [] when it is valid
    write_bundle(rubric_path, out_zip, *, install="raftlab[grade]") -> Path   autograder.zip: setup.sh,
                                                    run_autograder, rubric.toml (and dist/WHEEL when install is a
                                                    file); RubricError for a bad rubric, ValueError for a bad spec
    RUN_AUTOGRADER_ARGS                             the raftlab command line run_autograder runs, for the CLI

The format (Gradescope's "Autograder Specifications"): a top-level "score" (required unless every test has one;
it overrides the tests' total), "execution_time" (seconds), "output", "output_format", "test_output_format",
"test_name_format", "visibility", "stdout_visibility", "extra_data", "leaderboard" and "tests": a list of
{"score", "max_score", "status" ("passed" | "failed"), "name", "name_format", "number", "output",
"output_format", "tags", "visibility", "extra_data"}. Visibility is "hidden", "after_due_date",
"after_published" or "visible" (the default). Formats are "text", "simple_format", "html", "md", "ansi".

Hidden seeds: each rubric item is one visible test that carries all its points (an "all" item loses them to a
hidden failure too, so they cannot be split) and says only how many runs on hidden seeds failed; every item with
hidden seeds also gets a second test, "<item> (hidden seeds)", worth 0 of 0 points, visibility "after_published",
that holds those runs' details. It is there for every student, failed or not, so its presence tells nothing;
Gradescope hides the student's total until grades are published while such a test is unpublished.

Everything shown is plain text (output formats "text"): messages come from student code and must not render as
HTML. Text goes through grading.reports.text.clean: terminal escapes dropped, lone surrogates and other control
characters (not newline, tab) made U+FFFD.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import zipfile
from pathlib import Path

from grading.model import ItemScore, RunRow, StudentGrade
from grading.reports.text import FORBIDDEN, clean
from grading.rubric import Rubric, load_rubric

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
STATUSES = ("passed", "failed")
FORMATS = ("text", "simple_format", "html", "md", "ansi")
MESSAGE_LINES = 12          # first lines of a failing run's message shown in feedback
MAX_LINE = 400              # characters of one message line: a student's print of a huge log stays readable
MAX_RUNS_SHOWN = 20         # failing runs detailed per test; the rest are counted
RUN_AUTOGRADER_ARGS = ('grade --gradescope --rubric "$AUTOGRADER_ROOT/source/rubric.toml" '
                       '--autograder-root "$AUTOGRADER_ROOT"')

_RULES = {"all": "one failed run loses the item", "proportional": "points times the pass rate"}
_TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
             "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
_TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
              "visibility", "extra_data"}
_ARCHIVES = (".whl", ".tar.gz", ".zip")


def autograder_paths(root) -> tuple[Path, Path, Path]:
    """(root/submission, root/results/results.json, root/source): where Gradescope puts the student's files,
    where it reads the results, where it unpacks the bundle. root is /autograder in a real container."""
    root = Path(root)
    return root / "submission", root / "results" / "results.json", root / "source"


# ---------------------------------------------------------------------------------------------- results.json

def results_json(grade: StudentGrade, rubric: Rubric, *, execution_time: float) -> dict:
    """The results.json dict for one student: a test per rubric item (name, score, max_score, status "passed"
    only at full points, output, visibility "visible") in rubric order, each followed by its after_published
    hidden-seed test when the item has hidden seeds (see the module docstring). A submission with a problem scores
    0 and says why in the top-level output. execution_time: real seconds the grading took."""
    problem = grade.submission.problem
    items = {item.name: item for item in rubric.items}
    tests: list[dict] = []
    for score in grade.items:
        item = items.get(score.item)
        if problem:
            tests.append(_test(score.item, 0.0, score.max_points, "failed", f"Not graded: {clean(problem)}"))
            continue
        visible = [row for row in score.failures if not row.hidden]
        hidden = [row for row in score.failures if row.hidden]
        passed = score.points >= score.max_points and (score.max_points > 0 or not score.failures)
        text = _summary(score, item, len(hidden))
        if visible:
            text += "\n\n" + _details(visible)
        tests.append(_test(score.item, score.points, score.max_points, "passed" if passed else "failed", text))
        if item is not None and item.hidden_seeds:
            seeds = ", ".join(map(str, item.hidden_seeds))
            runs = len(item.tests) * len(item.hidden_seeds)
            text = (f"Hidden seeds {seeds}: {len(hidden)} of {runs} runs failed (their points are counted in "
                    f"{score.item!r}).")
            if hidden:
                text += "\n\n" + _details(hidden)
            tests.append(_test(f"{score.item} (hidden seeds)", 0.0, 0.0, "failed" if hidden else "passed", text,
                               visibility="after_published"))
    total = 0.0 if problem else float(grade.total)
    output = f"{rubric.title}: {total:g} of {grade.max_total:g} points."
    if problem:
        output += f"\nThis submission could not be graded: {clean(problem)}"
    elif any(item.hidden_seeds for item in rubric.items):
        output += "\nSome runs use hidden seeds: their details are shown once grades are published."
    return {
        "score": total,
        "execution_time": _seconds(execution_time),
        "output": output,
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "stdout_visibility": "hidden",   # raftlab's own output may name hidden seeds: staff only
        "extra_data": {"raftlab": {"rubric_sha256": rubric.digest, "content_hash": grade.submission.content_hash}},
        "tests": tests,
    }


def failure_results(message: str, *, execution_time: float = 0.0) -> dict:
    """results.json for a submission that could not be graded at all (a broken autograder, a bad rubric): score
    0, no tests, the message as the top-level output."""
    return {"score": 0.0, "execution_time": _seconds(execution_time), "output": clean(message),
            "output_format": "text", "stdout_visibility": "hidden", "tests": []}


def write_results(data: dict, results_file) -> Path:
    """Write results.json (creating its folder) through a temporary file, so Gradescope never reads half a
    file. Raises ValueError listing the problems when data is not valid."""
    problems = validate_results(data)
    if problems:
        raise ValueError("results.json would be invalid: " + "; ".join(problems))
    path = Path(results_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _seconds(value: float) -> int:
    return max(0, int(round(value))) if math.isfinite(value) else 0


def _test(name: str, score: float, max_score: float, status: str, output: str, visibility: str = "visible"):
    return {"name": clean(name), "score": float(score), "max_score": float(max_score), "status": status,
            "output": output, "visibility": visibility}


def _summary(score: ItemScore, item, hidden_failures: int) -> str:
    rule = "?"
    if item is not None:
        rule = _RULES.get(item.rule) or f"full points at a pass rate of at least {item.threshold:.0%}"
        rule = f"{item.rule}: {rule}"
    text = (f"{score.passed} of {score.runs} runs passed; {score.points:g} of {score.max_points:g} points "
            f"(rule {rule}).")
    missing = score.runs - score.passed - len(score.failures)
    if missing > 0:
        text += f"\nRuns that did not finish (counted as failed): {missing}."
    if hidden_failures:
        text += f"\nFailing runs on hidden seeds: {hidden_failures} (details once grades are published)."
    return text


def _details(rows: list[RunRow]) -> str:
    from tester.run_one import replay_command
    blocks = []
    for row in rows[:MAX_RUNS_SHOWN]:
        lines = clean(row.message).splitlines() or ["(no message)"]
        shown = [f"  | {line[:MAX_LINE]}" + ("…" if len(line) > MAX_LINE else "") for line in lines[:MESSAGE_LINES]]
        if len(lines) > MESSAGE_LINES:
            shown.append(f"  | … {len(lines) - MESSAGE_LINES} more lines")
        blocks.append(f"FAILED {clean(row.test)}, seed {row.seed} ({clean(row.status)})\n" + "\n".join(shown)
                      + f"\n  replay: {replay_command(clean(row.test), row.seed, impl='.')}")
    if len(rows) > MAX_RUNS_SHOWN:
        blocks.append(f"… and {len(rows) - MAX_RUNS_SHOWN} more failing runs.")
    return "\n\n".join(blocks)


# ------------------------------------------------------------------------------------------- validation

def validate_results(data) -> list[str]:
    """Every problem with a results.json dict against Gradescope's documented format, as "where: what"; []
    when valid. Beyond the format, it refuses what raftlab never writes and Gradescope would show oddly: a
    negative score, a score above max_score (Gradescope itself allows extra credit), non-finite numbers and
    text that is not JSON-safe (lone surrogates, control characters other than newline and tab)."""
    if not isinstance(data, dict):
        return [f"results: must be a JSON object, not {type(data).__name__}"]
    problems: list[str] = []
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"results: unknown key {key!r}")
    if "score" in data:
        _number(data["score"], "results.score", problems)
    if "execution_time" in data:
        _number(data["execution_time"], "results.execution_time", problems)
    if "output" in data:
        _text(data["output"], "results.output", problems)
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in data:
            _choice(data[key], FORMATS, f"results.{key}", problems)
    for key in ("visibility", "stdout_visibility"):
        if key in data:
            _choice(data[key], VISIBILITIES, f"results.{key}", problems)
    if "extra_data" in data and not isinstance(data["extra_data"], dict):
        problems.append("results.extra_data: must be an object")
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        problems.append("results.tests: must be a list")
        tests = []
    if "score" not in data and ("tests" not in data or not all(isinstance(t, dict) and "score" in t
                                                               for t in tests)):
        problems.append("results.score: missing, and not every test has a score (one or the other is required)")
    for index, test in enumerate(tests):
        where = f"tests[{index}]"
        if not isinstance(test, dict):
            problems.append(f"{where}: must be an object")
            continue
        for key in sorted(set(test) - _TEST_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        for key in ("score", "max_score"):
            if key in test:
                _number(test[key], f"{where}.{key}", problems)
        if (_is_number(test.get("score")) and _is_number(test.get("max_score"))
                and test["score"] > test["max_score"]):
            problems.append(f"{where}: score {test['score']} is above max_score {test['max_score']}")
        if "status" in test:
            _choice(test["status"], STATUSES, f"{where}.status", problems)
        for key in ("name", "number", "output"):
            if key in test:
                _text(test[key], f"{where}.{key}", problems)
        for key in ("name_format", "output_format"):
            if key in test:
                _choice(test[key], FORMATS, f"{where}.{key}", problems)
        if "visibility" in test:
            _choice(test["visibility"], VISIBILITIES, f"{where}.visibility", problems)
        if "tags" in test and not (isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])):
            problems.append(f"{where}.tags: must be a list of strings")
        if "extra_data" in test and not isinstance(test["extra_data"], dict):
            problems.append(f"{where}.extra_data: must be an object")
    if "leaderboard" in data:
        board = data["leaderboard"]
        if not isinstance(board, list):
            problems.append("results.leaderboard: must be a list")
        for index, entry in enumerate(board if isinstance(board, list) else []):
            where = f"leaderboard[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or "value" not in entry:
                problems.append(f"{where}: must be an object with a name (string) and a value")
            elif entry.get("order", "desc") not in ("asc", "desc"):
                problems.append(f"{where}.order: must be \"asc\" or \"desc\"")
    try:
        json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:   # UnicodeEncodeError is a ValueError
        problems.append(f"results: not serialisable as JSON: {exc}")
    return problems


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value, where: str, problems: list[str]) -> None:
    if not _is_number(value):
        problems.append(f"{where}: must be a number, not {value!r}")
    elif not math.isfinite(value) or value < 0:
        problems.append(f"{where}: must be a finite number >= 0, not {value!r}")


def _text(value, where: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{where}: must be a string, not {type(value).__name__}")
    elif FORBIDDEN.search(value):
        problems.append(f"{where}: holds a lone surrogate or a control character")


def _choice(value, allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    if value not in allowed:
        problems.append(f"{where}: {value!r} is not one of {', '.join(allowed)}")


# ------------------------------------------------------------------------------------------------ bundle

def write_bundle(rubric_path, out_zip, *, install: str = "raftlab[grade]") -> Path:
    """Build autograder.zip for Gradescope, with at its root: setup.sh (installs Python >= 3.11, bubblewrap and
    raftlab into the venv /autograder/venv), run_autograder (executable; runs `raftlab RUN_AUTOGRADER_ARGS`),
    rubric.toml (the rubric, checked first). install: a pip requirement ("raftlab[grade]", "raftlab==0.1.0") or
    the path of a wheel or sdist, optionally with extras ("dist/raftlab-0.1.0-py3-none-any.whl[grade]"), which
    is copied into the bundle as dist/NAME and installed from there, so a course can pin its version offline.
    Raises RubricError for a bad rubric and ValueError for an unusable install spec, before writing anything."""
    rubric_path, out_zip = Path(rubric_path), Path(out_zip)
    load_rubric(rubric_path)
    spec = install.strip()
    if not spec or FORBIDDEN.search(spec) or any(c in spec for c in "\r\n\t"):
        raise ValueError(f"install spec {install!r}: write a pip requirement or the path of a wheel or sdist")
    archive, extras = _archive(spec)
    members: dict[str, tuple[bytes, int]] = {"rubric.toml": (rubric_path.read_bytes(), 0o644)}
    if archive is not None:
        members[f"dist/{archive.name}"] = (archive.read_bytes(), 0o644)
        spec = f"$SOURCE/dist/{archive.name}{extras}"
        pip_arg = f'"$SOURCE/dist/"{shlex.quote(archive.name + extras)}'
    else:
        pip_arg = shlex.quote(spec)
    members["setup.sh"] = (_SETUP.replace("@PIP_ARG@", pip_arg).replace("@SPEC@", spec).encode(), 0o755)
    members["run_autograder"] = (_RUN.replace("@ARGS@", RUN_AUTOGRADER_ARGS).encode(), 0o755)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_zip.with_name(out_zip.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in ("setup.sh", "run_autograder", "rubric.toml", *sorted(m for m in members if "/" in m)):
            data, mode = members[name]
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))   # fixed: the same rubric, same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3                                         # Unix, so unzip honours the mode
            info.external_attr = (0o100000 | mode) << 16
            bundle.writestr(info, data)
    os.replace(tmp, out_zip)
    return out_zip


def _archive(spec: str) -> tuple[Path | None, str]:
    """(the wheel or sdist a spec names, its "[extras]") or (None, "") for a plain pip requirement."""
    match = re.fullmatch(r"(.+?)(\[[A-Za-z0-9_.,\- ]*\])?", spec)
    path, extras = match.group(1), match.group(2) or ""
    if "://" in path or not path.endswith(_ARCHIVES):
        return None, ""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(f"install spec {spec!r}: no such wheel or sdist {file}")
    return file, extras.replace(" ", "")


# Why a venv: Ubuntu 23.04 and later mark the system Python as externally managed (PEP 668), so a plain pip
# install fails there, and the --break-system-packages escape does not exist in 22.04's pip (22.0). A venv works
# on every release, keeps raftlab apart from apt's Python packages, and gives run_autograder one known path.
_SETUP = r"""#!/usr/bin/env bash
# Written by `raftlab grade gradescope-bundle`. Gradescope runs this once, as root, when it builds the
# autograder image (Ubuntu): Python >= 3.11 (raftlab's grading reads TOML with tomllib), bubblewrap (the
# sandbox for student code) and raftlab, in a venv at $AUTOGRADER_ROOT/venv.
set -euo pipefail
AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$AUTOGRADER_ROOT/source"
VENV="$AUTOGRADER_ROOT/venv"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap ca-certificates

find_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
# Ubuntu 22.04 (Gradescope's default image) ships Python 3.10; its universe has python3.11.
if ! PYTHON="$(find_python)"; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv ||
        { echo "setup.sh: no Python >= 3.11 on this image; choose a newer base image" >&2; exit 1; }
    PYTHON="$(find_python)"
fi
if ! "$PYTHON" -m venv "$VENV"; then
    apt-get install -y --no-install-recommends "$PYTHON-venv"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --upgrade pip
# install: @SPEC@
"$VENV/bin/python" -m pip install @PIP_ARG@
# Fail the build now rather than at the first submission.
"$VENV/bin/raftlab" grade --help >/dev/null
echo "setup.sh: raftlab installed in $VENV with $("$VENV/bin/python" --version)"
"""

_RUN = r"""#!/usr/bin/env bash
# Written by `raftlab grade gradescope-bundle`. Gradescope runs this for every submission: it grades
# $AUTOGRADER_ROOT/submission with source/rubric.toml and writes results/results.json.
# AUTOGRADER_ROOT defaults to /autograder; RAFTLAB, if set, is the raftlab executable to use (else the venv's,
# else the one on PATH).
set -uo pipefail
AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
export AUTOGRADER_ROOT
if [ -n "${RAFTLAB:-}" ]; then
    raftlab="$RAFTLAB"
elif [ -x "$AUTOGRADER_ROOT/venv/bin/raftlab" ]; then
    raftlab="$AUTOGRADER_ROOT/venv/bin/raftlab"
else
    raftlab=raftlab
fi
results="$AUTOGRADER_ROOT/results/results.json"
mkdir -p "$AUTOGRADER_ROOT/results"
rm -f "$results"
cd "$AUTOGRADER_ROOT" || exit 1
"$raftlab" @ARGS@
status=$?
echo "run_autograder: raftlab exited with status $status"
if [ -s "$results" ]; then
    exit 0
fi
# raftlab stopped before writing results: the student still gets a result that says so.
printf '{"score": 0.0, "output": "The autograder stopped before grading this submission (raftlab exit status %d). Course staff have its output.", "output_format": "text", "stdout_visibility": "hidden", "tests": []}\n' "$status" >"$results"
if [ "$status" -eq 0 ]; then
    exit 1
fi
exit "$status"
"""
