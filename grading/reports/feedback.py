"""Per-student feedback, in Markdown and in HTML: what the student may see of their grade.

    feedback_markdown(student, rubric) -> str
    feedback_html(student, rubric) -> str        one self-contained page: inline CSS, no script, no URL
    write_feedback(students, rubric, folder, stems) -> [Path]   folder/<stem>.md and .html per StudentGrade
                                                 (stems[i]: students[i]'s, from text.feedback_stems)

Shown: a submission's problem first and prominently; the score per item; every failing run on a visible seed once
(with the items it counts in), its status, the first 12 lines of its message, the one-line `raftlab replay`
command that reproduces it when run in the folder that holds raft/, and the last 40 lines of its log. Runs on
hidden seeds appear only as a count per item: "N run(s) on hidden seeds failed", no seed, no message. The
integrity scan's findings are for staff and never appear here.

Every student-controlled string (names, messages, logs) goes through text.clean, then html.escape (HTML) or a
backslash escape of Markdown's punctuation (Markdown prose; code blocks get a fence longer than any run of
backticks inside), so that `<b>`, `</script>` or a terminal escape is shown as text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from grading.reports.text import clean, head, points, tail
from tester.run_one import replay_command

MESSAGE_LINES, LOG_LINES = 12, 40


def _failing(student) -> list[tuple[object, list[str]]]:
    """Visible failing runs, each (test, seed) once (a test in two items fails in both), with the items it costs."""
    runs: dict[tuple[str, int], tuple[object, list[str]]] = {}
    for score in student.items:
        for run in score.failures:
            if not run.hidden:
                runs.setdefault((run.test, run.seed), (run, []))[1].append(score.item)
    return list(runs.values())


def _hidden_failed(score) -> int:
    return len({(run.test, run.seed) for run in score.failures if run.hidden})


def _hidden_note(score) -> str:
    n = _hidden_failed(score)
    return f"{n} run(s) on hidden seeds failed" if n else ""


# --- Markdown --------------------------------------------------------------------------------------------------

def _md(text) -> str:
    """Prose-safe Markdown: one line, Markdown's and HTML's active characters backslash-escaped."""
    return re.sub(r"([\\`*_\[\]<>&#|~!{}])", r"\\\1", " ".join(clean(text).split()))


def _block(text: str) -> str:
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}\n{text}\n{fence}"


def feedback_markdown(student, rubric) -> str:
    """The student's feedback as Markdown (see the module docstring for what is in it)."""
    sub = student.submission
    out = [f"# Feedback for {_md(sub.name)}", "",
           f"{_md(rubric.title)}: **{points(student.total)} / {points(student.max_total)}** points", ""]
    if sub.problem:
        out += [f"> **Your submission could not be graded:** {_md(sub.problem)}", ""]
    elif student.missing:
        out += [f"> **Not final:** {student.missing} run(s) are not graded yet and count as not passed.", ""]
    out += ["| item | points | runs passed | hidden seeds |", "|---|---:|---:|---|"]
    for s in student.items:
        out.append(f"| {_md(s.item)} | {points(s.points)} / {points(s.max_points)} | {s.passed} / {s.runs} "
                   f"| {_hidden_note(s)} |")
    failing = _failing(student)
    if failing:
        out += ["", f"## Failing runs ({len(failing)})", "",
                "Each replays on your machine: run its command in the folder that holds `raft/`."]
    for run, items in failing:
        message, more = head(run.message, MESSAGE_LINES)
        log, left = tail(run.log_tail, LOG_LINES)
        out += ["", f"### {_md(run.test)}, seed {run.seed}: {_md(run.status)}", "",
                f"Counts in: {', '.join(_md(i) for i in items)}", "", "Message:", "",
                _block(message or "(no message)")]
        if more:
            out.append(f"\n({more} more line(s) not shown)")
        out += ["", "Replay:", "", _block(replay_command(run.test, run.seed, impl=".")), "",
                f"Log, last {LOG_LINES} lines" + (f" ({left} earlier line(s) not shown)" if left else "") + ":", "",
                _block(log or "(no log kept)")]
    return "\n".join(out) + "\n"


# --- HTML ------------------------------------------------------------------------------------------------------

def _h(text) -> str:
    return html.escape(clean(text), quote=True)


_STYLE = """
body { font: 15px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 980px;
       padding: 0 16px; color: #1d1d1f; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 15px; }
.score { font-size: 17px; } .score b { font-size: 20px; }
.problem { border: 2px solid #c40000; background: #fdecec; color: #7a0000; padding: 10px 14px; border-radius: 6px;
           font-size: 16px; }
table { border-collapse: collapse; margin: 10px 0; } th, td { border-bottom: 1px solid #ddd; padding: 4px 10px;
text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.lost td:first-child { border-left: 3px solid #c40000; } tr.full td:first-child { border-left: 3px solid #2a8a2a; }
.hidden-note { color: #8a4b00; }
section.run { border: 1px solid #d8dbe0; border-radius: 6px; padding: 4px 14px 10px; margin: 14px 0; }
.status { background: #f8cfcf; color: #8a1010; padding: 0 6px; border-radius: 4px; font-weight: 600; }
pre { background: #f5f6f8; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-word;
      font: 12.5px/1.4 Menlo, Consolas, "DejaVu Sans Mono", monospace; }
pre.replay { background: #eef4ff; border-left: 3px solid #1a55b0; }
.muted { color: #666; font-size: 13px; }
"""


def feedback_html(student, rubric) -> str:
    """The student's feedback as one HTML page (see the module docstring)."""
    sub, failing = student.submission, _failing(student)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Feedback for {_h(sub.name)}</title>", f"<style>{_STYLE}</style></head>",
           f'<body data-failing-runs="{len(failing)}">', f"<h1>Feedback for {_h(sub.name)}</h1>",
           f'<p class="score">{_h(rubric.title)}: <b>{points(student.total)} / {points(student.max_total)}</b> '
           f"points</p>"]
    if sub.problem:
        out.append(f'<p class="problem" id="problem"><b>Your submission could not be graded:</b> '
                   f"{_h(sub.problem)}</p>")
    elif student.missing:
        out.append(f'<p class="problem" id="not-final"><b>Not final:</b> {student.missing} run(s) are not graded '
                   f"yet and count as not passed.</p>")
    out.append("<table><tr><th>item</th><th>points</th><th>runs passed</th><th>hidden seeds</th></tr>")
    for s in student.items:
        kind = "full" if s.points >= s.max_points else "lost"
        out.append(f'<tr class="{kind}"><td>{_h(s.item)}</td><td class="num">{points(s.points)} / '
                   f'{points(s.max_points)}</td><td class="num">{s.passed} / {s.runs}</td>'
                   f'<td class="hidden-note">{_h(_hidden_note(s))}</td></tr>')
    out.append("</table>")
    if failing:
        out.append(f"<h2>Failing runs ({len(failing)})</h2><p>Each replays on your machine: run its command in "
                   f"the folder that holds <code>raft/</code>.</p>")
    for run, items in failing:
        message, more = head(run.message, MESSAGE_LINES)
        log, left = tail(run.log_tail, LOG_LINES)
        out += ['<section class="run">',
                f'<h3>{_h(run.test)}, seed {run.seed}: <span class="status">{_h(run.status)}</span></h3>',
                f'<p class="muted">Counts in: {", ".join(_h(i) for i in items)}</p>',
                '<p class="muted">Message:</p>',
                f'<pre class="message">{_h(message or "(no message)")}</pre>',
                f'<p class="muted">{more} more line(s) not shown</p>' if more else "",
                '<p class="muted">Replay:</p>',
                f'<pre class="replay">{_h(replay_command(run.test, run.seed, impl="."))}</pre>',
                f'<p class="muted">Log, last {LOG_LINES} lines'
                + (f" ({left} earlier line(s) not shown)" if left else "") + ":</p>",
                f'<pre class="log">{_h(log or "(no log kept)")}</pre>', "</section>"]
    out.append("</body></html>")
    return "\n".join(line for line in out if line) + "\n"


def write_feedback(students, rubric, folder: Path, stems: list[str]) -> list[Path]:
    """Write both files of each student into `folder` (created); returns the paths, .md then .html each.
    Raises ValueError when stems and students differ in length."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student, stem in zip(students, stems, strict=True):
        for suffix, text in ((".md", feedback_markdown(student, rubric)), (".html", feedback_html(student, rubric))):
            path = folder / (stem + suffix)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
