"""A self-contained HTML view of a checked history (spec §7.4): open it in any browser, no network needed.

visualize(model, history_or_info, path, annotations=(), timeout=5.0, title=None) -> Path
    history_or_info: a LinearizationInfo from check_operations_verbose, or a list of Operations (then checked here,
    verbosely, within `timeout` seconds). annotations: Annotation(time, text, peer=None, end=None) markers, e.g. the
    partitions, crashes and restarts a KV test injected, drawn as vertical lines (shaded spans when `end` is set).
page_data(model, info, annotations=(), title=None) -> dict      what the page's script draws (JSON-able)
write_page(path, text)      write an HTML page beside path, then move it over path (a browser never sees half of it)

The page draws, per partition, a row per client and a box per operation from call to return. Hovering an op
shows its longest partial linearization (linearization points as lines through the boxes) and the states
before and after it; a click keeps that selection. In an illegal partition, the op that cannot be linearized
(the first to return after the longest partial linearization, when no pending op could take effect) is red;
"jump to first error" (or opening the page as FILE.html#first-error) selects it. The body's data-rendered-ops and
data-script-errors attributes report what the script drew and any script error, so a headless browser can check
the page.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Sequence

from .checker import LinearizationInfo, PartitionInfo, check_operations_verbose
from .history import Annotation, Operation
from .models import Model
from .page import PAGE_TEMPLATE


def visualize(model: Model, history_or_info: LinearizationInfo | Sequence[Operation], path,
              annotations: Iterable[Annotation] = (), timeout: float | None = 5.0, title: str | None = None) -> Path:
    """Write the page for a history (see the module docstring) to `path` (str or Path) as a new file, whose mode
    is 0666 less the umask like every other report's; returns `path` as a Path. OSError when it cannot be written."""
    info = history_or_info
    if not isinstance(info, LinearizationInfo):
        _, info = check_operations_verbose(model, list(history_or_info), timeout)
    data = page_data(model, info, annotations, title)
    # "<" escaped so no "</script>" inside the data can end the script element early
    blob = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    html = PAGE_TEMPLATE.replace("__TITLE__", _escape(data["title"])).replace("__DATA__", blob)
    path = Path(path)
    write_page(path, html)
    return path


def write_page(path: Path, text: str) -> None:
    """Write `text` to a new file next to `path`, then move it over `path`. A new file gets the mode every report
    gets (0666 less the umask), even when `path` was made by tempfile.mkstemp (0600), as the KV harness does; and
    a browser never sees half a page."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(part, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def page_data(model: Model, info: LinearizationInfo, annotations: Iterable[Annotation] = (),
              title: str | None = None) -> dict:
    notes = [{"time": a.time, "end": a.end, "text": a.text, "peer": a.peer} for a in annotations]
    return {"title": title or "Porcupine: linearizability of a history",
            "result": info.result.value,
            "annotations": notes,
            "partitions": [_partition_data(model, i, p) for i, p in enumerate(info.partitions)]}


def _partition_data(model: Model, index: int, part: PartitionInfo) -> dict:
    ops = part.operations
    partials = [_replay(model, ops, seq, index) for seq in part.partial_linearizations]
    largest = [-1] * len(ops)  # op -> index of the longest partial linearization holding it (sorted longest first)
    for k, seq in enumerate(part.partial_linearizations):
        for op in seq:
            if largest[op] < 0:
                largest[op] = k
    return {"label": _label(ops), "ok": part.ok, "initial": model.describe_state(model.init()),
            "ops": [{"client": op.client, "call": op.call, "ret": op.return_,
                     "desc": model.describe_operation(op.input, op.output)} for op in ops],
            "partials": partials, "largest": largest,
            "error": _first_error(model, part, partials) if part.ok is False else None}


def _replay(model: Model, ops: list[Operation], seq: Sequence[int], index: int) -> list[list]:
    """[[op id, description of the state after it], ...]: the states the search went through."""
    state, out = model.init(), []
    for op in seq:
        ok, state = model.step(state, ops[op].input, ops[op].output)
        if not ok:
            raise AssertionError(f"partition {index}: the partial linearization {list(seq)} is not legal at op {op} "
                                 f"({model.describe_operation(ops[op].input, ops[op].output)}): checker bug")
        out.append([op, model.describe_state(state)])
    return out


def _first_error(model: Model, part: PartitionInfo, partials: list[list]) -> dict | None:
    """The op the longest partial linearization could not be extended past: the first to return among the
    ops not in it (the search met its return entry with no pending op able to take effect)."""
    longest = partials[0] if partials else []
    done = {op for op, _ in longest}
    rest = [i for i in range(len(part.operations)) if i not in done]
    if not rest:
        return None
    op = min(rest, key=lambda i: (part.operations[i].return_, i))
    state = longest[-1][1] if longest else model.describe_state(model.init())
    return {"op": op, "state": state}


def _label(ops: list[Operation]) -> str:
    keys = {getattr(op.input, "key", None) for op in ops}
    return f"key {keys.pop()!r}" if len(keys) == 1 and None not in keys else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
