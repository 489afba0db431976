"""Reading and writing history files.

History(operations, annotations, model)         a parsed file; model is "kv" or "register"
load_history(path, format="auto") -> History     format: "kv", "etcd", "json" or "auto" (guessed from the content)
parse_kv_log(path) -> [Operation]                Porcupine's kv test data (EDN-like maps, one per line)
parse_etcd_log(path) -> [Operation]              Jepsen etcd register logs (Porcupine's test_data/jepsen)
parse_json_history(path) -> History              our own format, below
write_history(path, operations, annotations=())  write our JSON format, one operation per line
HistoryFormatError                               a ValueError whose message starts with "FILE:LINE:"

In the kv and etcd formats the time of an event is its position among the events (the Porcupine convention).
A return closes the open invoke of the same process; an invoke never answered is closed at the very end of the
history: in kv with an empty output (as Porcupine does), in etcd with an unknown outcome (as is a read that
failed with :timed-out). An etcd `:info` line is not an answer: that op stays open until the end.

Our JSON format (what the KV harness writes) is an object
    {"operations": [OP, ...], "annotations": [ANNOTATION, ...]}     ("annotations" optional; a bare [OP, ...] works)
    OP = {"client": 3, "input": {"op": "get", "key": "k"}, "output": {"value": "x"}, "call": 1.25, "return": 1.5}
         "op" is "get", "put" or "append" (KV model; "value" defaults to "") or, for the register model,
         "read", "write" with "value", "cas" with "expect" and "value"; a register output may hold
         "value" (read), "ok" (cas) and "unknown": true (outcome lost). All ops of a file use one model.
         "call" and "return" are numbers (the harness writes virtual seconds), call <= return.
    ANNOTATION = {"time": 2.0, "text": "crash", "peer": 2, "end": 4.5}   ("peer" and "end" optional)
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from .history import Annotation, Operation
from .models import APPEND, CAS, GET, PUT, READ, WRITE, KvInput, KvOutput, RegisterInput, RegisterOutput

FORMATS = ("auto", "kv", "etcd", "json")


class HistoryFormatError(ValueError):
    def __init__(self, path, line, what):
        super().__init__(f"{path}:{line}: {what}" if line else f"{path}: {what}")


@dataclass
class History:
    operations: list[Operation]
    annotations: list[Annotation] = field(default_factory=list)
    model: str = "kv"


def load_history(path, format: str = "auto") -> History:
    if format not in FORMATS:
        raise ValueError(f"unknown history format {format!r}; use one of {', '.join(FORMATS)}")
    try:
        if format == "auto":
            format = _guess_format(path)
        if format == "kv":
            return History(parse_kv_log(path), model="kv")
        if format == "etcd":
            return History(parse_etcd_log(path), model="register")
        return parse_json_history(path)
    except UnicodeDecodeError as e:
        raise HistoryFormatError(path, None, f"not UTF-8 text (byte {e.start}): is it a history file?") from None


def _guess_format(path) -> str:
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{:"):
                return "kv"
            if line.startswith(("[", "{")):
                return "json"
            if "jepsen" in line:
                return "etcd"
            if line:
                raise HistoryFormatError(path, None, f"cannot tell the format from {line[:60]!r}; "
                                                     f"pass --format kv, etcd or json")
    raise HistoryFormatError(path, None, "the file is empty: there is no history in it")


class _OpenInvokes:
    """Events of a log in order; a return closes the open invoke of its process (kv and etcd formats)."""

    def __init__(self, path):
        self.path, self.time, self.open, self.done = path, 0, {}, []

    def invoke(self, line_no, process, input):
        if process in self.open:
            raise HistoryFormatError(self.path, line_no, f"process {process} invokes again while its invoke "
                                                         f"at line {self.open[process][0]} has no answer")
        self.open[process] = (line_no, input, self.time)
        self.time += 1

    def answer(self, line_no, process, output):
        if process not in self.open:
            raise HistoryFormatError(self.path, line_no, f"an answer from process {process}, which has no open invoke")
        _, input, call = self.open.pop(process)
        self.done.append(Operation(process, input, call, output, self.time))
        self.time += 1

    def close(self, output_for) -> list[Operation]:
        for process, (_, input, call) in self.open.items():
            self.done.append(Operation(process, input, call, output_for(input), self.time))
            self.time += 1
        return sorted(self.done, key=lambda op: op.call)


_EDN_FIELD = re.compile(r'\s*:([\w-]+)\s+(nil|-?\d+|:[\w-]+|"(?:[^"\\]|\\.)*")\s*(,|$)')


def _parse_edn_map(path, line_no, line) -> dict:
    if not (line.startswith("{") and line.endswith("}")):
        raise HistoryFormatError(path, line_no, "expected one map {:process P, :type T, ...} on the line")
    body, out, pos = line[1:-1], {}, 0
    while pos < len(body):
        m = _EDN_FIELD.match(body, pos)
        if not m:
            raise HistoryFormatError(path, line_no, f"cannot read a ':key value' pair at {body[pos:pos + 30]!r}")
        raw = m.group(2)
        out[m.group(1)] = (None if raw == "nil" else raw if raw.startswith(":") else
                           json.loads(raw) if raw.startswith('"') else int(raw))
        pos = m.end()
    return out


def _numbered_lines(path):
    """(line number, stripped text) of each non-blank line: every error names its line."""
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if line.strip():
                yield line_no, line.strip()


def parse_kv_log(path) -> list[Operation]:
    log = _OpenInvokes(path)
    for line_no, line in _numbered_lines(path):
        m = _parse_edn_map(path, line_no, line)
        missing = [k for k in ("process", "type", "f", "key", "value") if k not in m]
        if missing:
            raise HistoryFormatError(path, line_no, f"missing :{', :'.join(missing)}")
        f_, type_ = m["f"].lstrip(":"), m["type"]
        if f_ not in (GET, PUT, APPEND):
            raise HistoryFormatError(path, line_no, f":f must be :get, :put or :append, not :{f_}")
        if type_ == ":invoke":
            log.invoke(line_no, m["process"], KvInput(f_, m["key"], m["value"] or ""))
        elif type_ == ":ok":
            log.answer(line_no, m["process"], KvOutput((m["value"] or "") if f_ == GET else ""))
        else:
            raise HistoryFormatError(path, line_no, f":type must be :invoke or :ok, not {type_}")
    return log.close(lambda input: KvOutput(""))


_JEPSEN = re.compile(r"^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+"
                     r"(nil|\d+|\[(\d+)\s+(\d+)\]|:timed-out)$")


def parse_etcd_log(path) -> list[Operation]:
    log = _OpenInvokes(path)
    for line_no, line in _numbered_lines(path):
        m = _JEPSEN.match(line)
        if not m:
            raise HistoryFormatError(path, line_no, "expected 'INFO  jepsen.util - P\t:invoke|:ok|:fail|:info"
                                                    "\t:read|:write|:cas\tnil|V|[FROM TO]|:timed-out'")
        process, type_, f_, arg = int(m[1]), m[2], m[3], m[4]
        if type_ == "info":
            continue  # not an answer: the op stays open and is closed as unknown at the end
        if type_ == "invoke":
            if f_ == READ:
                log.invoke(line_no, process, RegisterInput(READ))
            elif f_ == WRITE and arg.isdigit():
                log.invoke(line_no, process, RegisterInput(WRITE, int(arg)))
            elif f_ == CAS and m[5]:
                log.invoke(line_no, process, RegisterInput(CAS, int(m[6]), int(m[5])))
            else:
                raise HistoryFormatError(path, line_no, f"invoke :{f_} cannot take {arg}")
        elif arg == ":timed-out":
            if not (f_ == READ and type_ == "fail"):
                raise HistoryFormatError(path, line_no, "only ':fail :read :timed-out' may answer :timed-out")
            log.answer(line_no, process, RegisterOutput(unknown=True))
        elif f_ == READ:
            if type_ != "ok":
                raise HistoryFormatError(path, line_no, "a read can only be answered :ok or :fail :timed-out")
            log.answer(line_no, process, RegisterOutput(None if arg == "nil" else int(arg)))
        else:
            log.answer(line_no, process, RegisterOutput(ok=type_ == "ok"))
    return log.close(lambda input: RegisterOutput(unknown=True))


# --- our JSON format ---------------------------------------------------------------------------------

_KV_OPS, _REGISTER_OPS = (GET, PUT, APPEND), (READ, WRITE, CAS)
_DECODER = json.JSONDecoder()


def parse_json_history(path) -> History:
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise HistoryFormatError(path, e.lineno, f"not valid JSON: {e.msg} (column {e.colno})") from None
    lines = _item_lines(text)
    if isinstance(doc, list):
        doc = {"operations": doc}
    if not isinstance(doc, dict) or "operations" not in doc or set(doc) - {"operations", "annotations"}:
        raise HistoryFormatError(path, 1, 'expected {"operations": [...], "annotations": [...]} '
                                          'or a list of operations')
    raw_ops, raw_notes = doc["operations"], doc.get("annotations", [])
    if not isinstance(raw_ops, list) or not isinstance(raw_notes, list):
        raise HistoryFormatError(path, 1, '"operations" and "annotations" must be lists')
    ops, models = [], set()
    for i, raw in enumerate(raw_ops):
        where = lines.get(("operations", i), 1)
        try:
            op, model = _operation_from_json(raw)
        except (KeyError, TypeError, ValueError) as e:
            raise HistoryFormatError(path, where, f"operation {i}: {_reason(e)}") from None
        models.add(model)
        if len(models) > 1:
            raise HistoryFormatError(path, where, f"operation {i} is a {model} op, but earlier ones are not: "
                                                  f"one file holds one model (kv: get/put/append, "
                                                  f"register: read/write/cas)")
        ops.append(op)
    notes = []
    for i, raw in enumerate(raw_notes):
        try:
            notes.append(_annotation_from_json(raw))
        except (KeyError, TypeError, ValueError) as e:
            raise HistoryFormatError(path, lines.get(("annotations", i), 1), f"annotation {i}: {_reason(e)}") from None
    return History(ops, notes, models.pop() if models else "kv")


def _reason(e: Exception) -> str:
    return f"missing field {e.args[0]!r}" if isinstance(e, KeyError) else str(e)


def _fields(raw, what, required, optional=()):
    if not isinstance(raw, dict):
        raise TypeError(f"{what} must be an object, not {type(raw).__name__}")
    extra = set(raw) - set(required) - set(optional)
    if extra:
        raise ValueError(f"{what} has unknown field(s) {', '.join(sorted(extra))}")
    for k in required:
        raw[k]  # noqa: B018 -- raises KeyError naming the missing field
    return raw


def _number(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise TypeError(f'"{name}" must be a finite number, not {v!r}')
    return v


def _flag(out, name, default):
    v = out.get(name, default)
    if not isinstance(v, bool):
        raise TypeError(f'"{name}" of the output must be true or false, not {v!r}')
    return v


def _operation_from_json(raw) -> tuple[Operation, str]:
    raw = _fields(raw, "an operation", ("client", "input", "call", "return"), ("output",))
    if isinstance(raw["client"], bool) or not isinstance(raw["client"], int):
        raise TypeError(f'"client" must be an integer, not {raw["client"]!r}')
    call, ret = _number(raw["call"], "call"), _number(raw["return"], "return")
    if ret < call:
        raise ValueError(f'"return" {ret} comes before "call" {call}')
    inp, out = raw["input"], raw.get("output", {})
    name = _fields(inp, '"input"', ("op",), ("key", "value", "expect")).get("op")
    if name in _KV_OPS:
        _fields(inp, f'"input" of {name}', ("op", "key"), ("value",))
        _fields(out, '"output"', (), ("value",))
        strings = {"key": inp["key"], "value": inp.get("value", ""), "output value": out.get("value", "")}
        for k, v in strings.items():
            if not isinstance(v, str):
                raise TypeError(f"the {k} must be a string, not {v!r}")
        return Operation(raw["client"], KvInput(name, inp["key"], strings["value"]), call,
                         KvOutput(strings["output value"]), ret), "kv"
    if name in _REGISTER_OPS:
        need = {READ: ("op",), WRITE: ("op", "value"), CAS: ("op", "expect", "value")}[name]
        _fields(inp, f'"input" of {name}', need)
        _fields(out, '"output"', (), ("value", "ok", "unknown"))
        return Operation(raw["client"], RegisterInput(name, inp.get("value"), inp.get("expect")), call,
                         RegisterOutput(out.get("value"), _flag(out, "ok", True), _flag(out, "unknown", False)),
                         ret), "register"
    raise ValueError(f'"op" must be one of {", ".join(_KV_OPS + _REGISTER_OPS)}, not {name!r}')


def _annotation_from_json(raw) -> Annotation:
    raw = _fields(raw, "an annotation", ("time", "text"), ("peer", "end"))
    if not isinstance(raw["text"], str):
        raise TypeError(f'"text" must be a string, not {raw["text"]!r}')
    end = raw.get("end")
    return Annotation(_number(raw["time"], "time"), raw["text"], raw.get("peer"),
                      None if end is None else _number(end, "end"))


def _item_lines(text: str) -> dict[tuple[str, int], int]:
    """(list name, index) -> line where that item starts, for error messages. The text is valid JSON."""
    found: dict[tuple[str, int], int] = {}
    pos = _skip_ws(text, 0)
    if text.startswith("[", pos):
        _walk_list(text, pos, "operations", found)
    elif text.startswith("{", pos):
        pos = _skip_ws(text, pos + 1)
        while text[pos] != "}":
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the ':'
            pos = _walk_list(text, pos, key, found) if text[pos] == "[" else _DECODER.raw_decode(text, pos)[1]
            pos = _skip_ws(text, pos)
            if text[pos] == ",":
                pos = _skip_ws(text, pos + 1)
    return found


def _walk_list(text, pos, name, found) -> int:
    pos, i = _skip_ws(text, pos + 1), 0
    while text[pos] != "]":
        found[(name, i)] = text.count("\n", 0, pos) + 1
        pos = _skip_ws(text, _DECODER.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        i += 1
    return pos + 1


def _skip_ws(text, pos) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def write_history(path, operations: Iterable[Operation], annotations: Iterable[Annotation] = ()) -> None:
    """Write operations (KvInput/KvOutput or RegisterInput/RegisterOutput) and annotations in our JSON format."""
    lines = [json.dumps(_operation_to_json(op)) for op in operations]
    notes = [json.dumps({k: v for k, v in asdict(a).items() if v is not None}) for a in annotations]
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"operations": [\n' + ",\n".join(lines) + '\n],\n"annotations": [\n' + ",\n".join(notes) + "\n]}\n")


def _operation_to_json(op: Operation) -> dict:
    inp, out = op.input, op.output
    if isinstance(inp, KvInput):
        j_in = {"op": inp.op, "key": inp.key} | ({"value": inp.value} if inp.op != GET else {})
        j_out = {"value": out.value} if inp.op == GET else {}
    elif isinstance(inp, RegisterInput):
        j_in = {"op": inp.op} | ({"value": inp.value} if inp.op != READ else {}) | (
            {"expect": inp.expect} if inp.op == CAS else {})
        j_out = ({"unknown": True} if out.unknown else
                 {"value": out.value} if inp.op == READ else {"ok": out.ok} if inp.op == CAS else {})
    else:
        raise TypeError(f"write_history: operation {op!r} has an input that is neither KvInput nor RegisterInput")
    return {"client": op.client, "input": j_in, "output": j_out, "call": op.call, "return": op.return_}
