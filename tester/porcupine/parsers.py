"""Reading and writing history files.

History(operations, annotations, model)         a parsed file; model is "kv" or "register"
load_history(path, format="auto") -> History     format: "kv", "etcd", "json" or "auto" (guessed from the content)
MAX_HISTORY_BYTES                                the largest file the loaders read (32 MiB, see below)
parse_kv_log(path) -> [Operation]                Porcupine's kv test data (EDN-like maps, one per line)
parse_etcd_log(path) -> [Operation]              Jepsen etcd register logs (Porcupine's test_data/jepsen)
parse_json_history(path) -> History              our own format, below
write_history(path, operations, annotations=())  write our JSON format, one operation per line
HistoryFormatError                               a ValueError whose message starts with "FILE:LINE:" (or "FILE:")

Every loader reads the file once, as UTF-8, and refuses a file above MAX_HISTORY_BYTES before reading it (a pipe
is read up to that bound): checking costs memory in proportion to the operations, and a lab history is far below.

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

import io
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Iterable

from .history import Annotation, Operation
from .models import APPEND, CAS, GET, PUT, READ, WRITE, KvInput, KvOutput, RegisterInput, RegisterOutput

FORMATS = ("auto", "kv", "etcd", "json")

# The busiest lab 3 tests record under 2,000 operations (about 320 KB of our JSON); 32 MiB is a hundred times that,
# some 200,000 operations. Reading costs about 6 bytes of memory per byte of file and checking a 31 MB history of
# 265,000 puts on 1,000 keys peaked at 190 MB (360 MB with --html); what the search needs beyond that depends on
# how the operations overlap, not on the file. Bigger files (a 119 MB one once took 4.1 GB) are refused up front.
MAX_HISTORY_BYTES = 32 * 1024 ** 2


class HistoryFormatError(ValueError):
    def __init__(self, path, line, what):
        super().__init__(f"{path}:{line}: {what}" if line else f"{path}: {what}")


@dataclass
class History:
    operations: list[Operation]
    annotations: list[Annotation] = field(default_factory=list)
    model: str = "kv"


def load_history(path, format: str = "auto") -> History:
    """The history in `path` (str or Path), read as `format` (FORMATS). ValueError on an unknown format;
    HistoryFormatError naming the file (and line) when it is too large, not UTF-8 or not a history of that format;
    OSError when it cannot be read."""
    if format not in FORMATS:
        raise ValueError(f"unknown history format {format!r}; use one of {', '.join(FORMATS)}")
    text = _read_text(path)
    if format == "auto":
        format = _guess_format(path, text)
    if format == "kv":
        return History(_parse_kv(path, text), model="kv")
    if format == "etcd":
        return History(_parse_etcd(path, text), model="register")
    return _parse_json(path, text)


def _read_text(path) -> str:
    """The file's text. A regular file is measured before it is read; anything else (a pipe) is read up to the
    bound, so neither can get past MAX_HISTORY_BYTES."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        data = b"" if size > MAX_HISTORY_BYTES else f.read(MAX_HISTORY_BYTES + 1)
    if max(size, len(data)) > MAX_HISTORY_BYTES:
        shown = f"{size:,} bytes" if size > MAX_HISTORY_BYTES else f"over {MAX_HISTORY_BYTES:,} bytes"
        raise HistoryFormatError(path, None, f"too large to check ({shown}): raftlab reads histories of up to "
                                             f"{MAX_HISTORY_BYTES // 2 ** 20} MiB, about 200,000 operations; "
                                             f"check a part of it, e.g. the operations on a few keys")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise HistoryFormatError(path, None, f"not UTF-8 text (line {line}, byte {e.start}): "
                                             f"is it a history file?") from None


def _guess_format(path, text: str) -> str:
    for line in io.StringIO(text):
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


def _numbered_lines(text: str):
    """(line number, stripped text) of each non-blank line: every error names its line."""
    for line_no, line in enumerate(io.StringIO(text), start=1):
        if line.strip():
            yield line_no, line.strip()


def parse_kv_log(path) -> list[Operation]:
    return _parse_kv(path, _read_text(path))


def _parse_kv(path, text: str) -> list[Operation]:
    log = _OpenInvokes(path)
    for line_no, line in _numbered_lines(text):
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
    return _parse_etcd(path, _read_text(path))


def _parse_etcd(path, text: str) -> list[Operation]:
    log = _OpenInvokes(path)
    for line_no, line in _numbered_lines(text):
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
    return _parse_json(path, _read_text(path))


_TOP_LEVEL = 'expected {"operations": [...], "annotations": [...]} or a list of operations'


def _parse_json(path, text: str) -> History:
    """Each operation is decoded and converted on its own (no tree of the whole file is built), and errors name
    the line where the item starts."""
    reader = _JsonReader(path, text)
    first = reader.skip_ws()
    if first == "[":
        reader.items(reader.operation)
    elif first == "{":
        reader.members({"operations": reader.operation, "annotations": reader.annotation})
    else:
        raise reader.error(_TOP_LEVEL)
    if reader.skip_ws():
        raise reader.error("not valid JSON: extra data after the history")
    return History(reader.ops, reader.notes, reader.models.pop() if reader.models else "kv")


class _JsonReader:
    """Walks the text of a JSON history forward, decoding one item at a time. The line number follows the
    position by counting only the newlines passed since the last count, so naming lines costs one pass in all."""

    def __init__(self, path, text: str):
        self.path, self.text, self.pos = path, text, 0
        self._line, self._counted_to = 1, 0
        self.ops: list[Operation] = []
        self.notes: list[Annotation] = []
        self.models: set[str] = set()

    def line(self) -> int:
        self._line += self.text.count("\n", self._counted_to, self.pos)
        self._counted_to = self.pos
        return self._line

    def error(self, what: str) -> HistoryFormatError:
        return HistoryFormatError(self.path, self.line(), what)

    def skip_ws(self) -> str:
        """Move past white space; the next character, '' at the end of the text."""
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1
        return self.text[self.pos:self.pos + 1]

    def expect(self, allowed: str) -> str:
        """Move past the next character, which must be one of `allowed`; return it."""
        found = self.skip_ws()
        if not found or found not in allowed:
            column = self.pos - self.text.rfind("\n", 0, self.pos)
            raise self.error(f"not valid JSON: expected {' or '.join(map(repr, allowed))} (column {column})")
        self.pos += 1
        return found

    def value(self):
        self.skip_ws()
        try:
            value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as e:
            raise HistoryFormatError(self.path, e.lineno, f"not valid JSON: {e.msg} (column {e.colno})") from None
        return value

    def members(self, lists: dict) -> None:
        """An object whose members are lists named in `lists` (name -> item handler); "operations" is required."""
        self.expect("{")
        seen = set()
        if self.skip_ws() == "}":
            self.pos += 1
        else:
            while True:
                line, name = self.line(), self.value()
                if name not in lists or name in seen:
                    raise HistoryFormatError(self.path, line, _TOP_LEVEL if name not in lists else
                                             f"{name!r} appears twice")
                seen.add(name)
                self.expect(":")
                if self.skip_ws() != "[":
                    raise self.error('"operations" and "annotations" must be lists')
                self.items(lists[name])
                if self.expect(",}") == "}":
                    break
        if "operations" not in seen:
            raise HistoryFormatError(self.path, 1, _TOP_LEVEL)

    def items(self, handle) -> None:
        """A list: handle(index, item, line where the item starts) for each item."""
        self.expect("[")
        if self.skip_ws() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            self.skip_ws()
            line = self.line()
            handle(index, self.value(), line)
            if self.expect(",]") == "]":
                return
            index += 1

    def operation(self, i: int, raw, line: int) -> None:
        try:
            op, model = _operation_from_json(raw)
        except (KeyError, TypeError, ValueError) as e:
            raise HistoryFormatError(self.path, line, f"operation {i}: {_reason(e)}") from None
        self.models.add(model)
        if len(self.models) > 1:
            raise HistoryFormatError(self.path, line, f"operation {i} is a {model} op, but earlier ones are not: "
                                                      f"one file holds one model (kv: get/put/append, "
                                                      f"register: read/write/cas)")
        self.ops.append(op)

    def annotation(self, i: int, raw, line: int) -> None:
        try:
            self.notes.append(_annotation_from_json(raw))
        except (KeyError, TypeError, ValueError) as e:
            raise HistoryFormatError(self.path, line, f"annotation {i}: {_reason(e)}") from None


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
