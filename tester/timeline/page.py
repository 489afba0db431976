"""The timeline page: one self-contained HTML file (inline CSS and JavaScript, no network) of one recorded run.

    write_timeline(rec, path, *, replay=None) -> Path    write the page for a finished Recorder; for a lab 3 run whose
                                          history was checked, a link to the history view: the one the harness wrote
                                          of a failed check if it is beside the page (a batch), else one written
                                          next to the page (NAME.history.html,
                                          tester.porcupine.visualize, with the run's faults). OSError if it cannot
                                          be written.
    check_html_path(path) -> str | None   why `path` cannot take a page (no such folder, a directory, not .html, a
                                          device, pipe or link), or None

The page (tester.timeline.script draws it) reports what it drew for tests and headless browsers: window.timelineStats
and the body's data-* attributes (data-lanes, data-arrows-drawn, data-mode, data-checks, data-failing-check,
data-ops, data-bad-ops, data-log-lines, data-render-ms: from the script's start to the first picture, data-open-ms:
from the navigation's start, data-script-errors). URL fragments: #failure jumps to the failure (a lab 3 history's
first illegal operation, else the failing check), #t=A-B shows virtual seconds A to B, anything else the whole run.
"""

from __future__ import annotations

import json
from pathlib import Path

from tester.porcupine.page import ERROR_CATCHER
from tester.porcupine.visualize import write_page
from tester.timeline.model import page_data
from tester.timeline.recorder import Recorder
from tester.timeline.script import SCRIPT


def check_html_path(path) -> str | None:
    """Why `path` cannot take a page, or None. The page replaces the file (written beside it, then renamed), so
    only a new or regular .html file qualifies: never a device (/dev/null), pipe or link, nor a source file."""
    if not str(path).strip():
        return "the name is empty: give the name of the HTML file to write, such as run.html"
    path = Path(path)
    if path.is_dir():
        return f"{path} is a directory: give the name of the HTML file to write"
    if path.suffix.lower() not in (".html", ".htm"):
        return f"{path}: the page's name must end in .html (so that no other file, such as your code, is replaced)"
    if path.is_symlink() or (path.exists() and not path.is_file()):
        kind = "a symbolic link" if path.is_symlink() else "a device, pipe or socket"
        return f"{path} is {kind}: give the name of a new or regular file (the page replaces it)"
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return f"cannot write {path}: {folder} is a file, not a folder"
    if not folder.is_dir():
        return f"cannot write {path}: the folder {folder} does not exist"
    return None


def write_timeline(rec: Recorder, path, *, replay: str | None = None) -> Path:
    path = Path(path)
    history_href = None
    beside = rec.history_view is not None and Path(rec.history_view).resolve().parent == path.resolve().parent
    if beside and Path(rec.history_view).exists():   # the view the harness wrote of a failed check, in a batch
        history_href = Path(rec.history_view).name
    elif rec.history is not None:
        history = path.with_name(path.stem + ".history.html")
        _write_history(rec, history)
        history_href = history.name
    verdict = "passed" if not rec.outcome.get("message") else "FAILED"
    title = f"{rec.test} seed={rec.seed}: {verdict}"
    data = page_data(rec, title=title, replay=replay, history_href=history_href)
    # "<" escaped so that no "</script>" in a student's log line or value can end the data's element early
    blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
    html = PAGE.replace("__TITLE__", _escape(title)).replace("__ERROR_CATCHER__", ERROR_CATCHER) \
        .replace("__SCRIPT__", SCRIPT).replace("__DATA__", blob)
    write_page(path, html)
    return path


def _write_history(rec: Recorder, path: Path) -> None:
    from tester.porcupine import KV_MODEL
    from tester.porcupine.visualize import visualize
    visualize(KV_MODEL, rec.history, path, annotations=rec.history_notes,
              title=f"{rec.test} seed={rec.seed}: {rec.history.result.value}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
body { font: 13px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 10px 14px; color: #222; }
h1 { font-size: 17px; margin: 0 0 4px; }
a, .btn { color: #1a55b0; cursor: pointer; }
.btn { border: 1px solid #9bb0d0; border-radius: 4px; padding: 1px 8px; background: #f4f7fc; margin-right: 6px;
       font-size: 12px; }
.btn:hover { background: #e3ebf8; }
.verdict { font-weight: bold; padding: 1px 8px; border-radius: 4px; }
.v-pass { background: #d6efd6; color: #145214; }
.v-fail { background: #f8cfcf; color: #8a1010; }
#message { white-space: pre-wrap; font: 12px Menlo, Consolas, "DejaVu Sans Mono", monospace; background: #fff4f4;
           border-left: 3px solid #c40000; padding: 4px 8px; margin: 6px 0; max-height: 9em; overflow: auto; }
#meta, #notes, .legend { margin: 4px 0; color: #555; font-size: 12px; }
#meta code { font-size: 11px; background: #f3f3f3; padding: 0 4px; }
.legend span { margin-right: 12px; white-space: nowrap; }
.sw { display: inline-block; width: 11px; height: 11px; border: 1px solid #777; vertical-align: -1px;
      margin-right: 3px; }
#overview { display: block; width: 100%; height: 46px; border: 1px solid #ccc; cursor: pointer; margin-top: 6px; }
#main { display: block; width: 100%; border: 1px solid #ccc; cursor: grab; margin-top: 4px; }
#main.dragging { cursor: grabbing; }
#logbar { margin: 8px 0 4px; font-size: 12px; }
#logbar label { margin-right: 8px; white-space: nowrap; }
#logs { font: 11px Menlo, Consolas, "DejaVu Sans Mono", monospace; height: 260px; overflow: auto;
        border: 1px solid #ddd; background: #fcfcfc; }
#logs div { white-space: pre; padding: 0 4px; cursor: pointer; }
#logs div:hover { background: #eef3ff; }
#tip { position: fixed; display: none; max-width: 640px; background: #fffff2; border: 1px solid #999;
       padding: 5px 8px; font: 11px Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all;
       box-shadow: 2px 2px 6px rgba(0,0,0,.2); pointer-events: none; z-index: 10; }
</style>
</head>
<body data-script-errors="" data-rendered="0">
__ERROR_CATCHER__
<h1 id="title"></h1>
<div><span id="verdict" class="verdict"></span> <span id="summary"></span></div>
<div id="message" hidden></div>
<div>
  <span class="btn" id="jump">jump to failure</span><span class="btn" id="fit">whole run</span>
  <a class="btn" id="history" hidden>history view (linearizability)</a>
  <span id="where" style="color:#555"></span>
</div>
<div id="meta"></div>
<div id="notes"></div>
<div class="legend">
  <span><span class="sw" style="background:#eef1f5"></span>follower</span>
  <span><span class="sw" style="background:#ffe39a"></span>candidate</span>
  <span><span class="sw" style="background:#b9e3bb"></span>leader (Tn: term)</span>
  <span><span class="sw" style="background:#555"></span>crashed</span>
  <span><span class="sw" style="background:repeating-linear-gradient(45deg,#f3b0b0 0 3px,#fff 3px 6px)"></span>cut
    off</span>
  <span><span class="sw" style="background:#7b4fd6"></span>RequestVote</span>
  <span><span class="sw" style="background:#2f6fd0"></span>AppendEntries</span>
  <span><span class="sw" style="background:#e07b00"></span>InstallSnapshot</span>
  <span><span class="sw" style="background:#0b8f8f"></span>clerk RPC</span>
  <span style="color:#c40000">✕ dropped &nbsp;∅ caller got None</span>
  <span>▲ check, <span style="color:#c40000">▲ failed</span></span>
  <span>wheel: zoom, drag: pan; the address keeps the view (#t=A-B seconds, #failure)</span>
</div>
<canvas id="overview"></canvas>
<canvas id="main"></canvas>
<div id="logbar"><b>Log</b> (<span id="logcount">0</span> lines in view) &nbsp; topics: <span id="topics"></span>
  <input id="logfilter" placeholder="filter: peer or text" size="20"></div>
<div id="logs"></div>
<div id="tip"></div>
<script type="application/json" id="timeline-data">__DATA__</script>
<script>
__SCRIPT__
</script>
</body>
</html>
"""
