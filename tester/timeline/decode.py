"""RPC arguments and replies, read for showing: lab-codec bytes to short text, without loading any class.

    read(data) -> value | Unreadable        the value, with each object of the student's as a Shown
    Shown(kind, fields)                     an object: its class name and its fields (a dict; a named tuple's are
                                            numbered; None for an enum member, whose kind is `Role.LEADER`)
    show(value, limit=160) -> str           short text: `AppendEntriesArgs(term=3, entries=[2: (3, 'x'), ...], ...)`
    field(value, *names) -> value | None    a field of a Shown by name, ignoring case and underscores (term, Term)

The bytes come from the student side, so they are untrusted: the codec's helpers are replaced by ones that build
Shown objects (no class is looked up, no student code runs), values larger than MAX_BYTES are not read, and show()
walks a bounded part of what it reads (a pickle of shared references can describe a huge tree in a few bytes).
"""

from __future__ import annotations

import builtins
import io
import pickle

MAX_BYTES = 1 << 20     # larger payloads (a big snapshot) are shown by their size only
_SAFE_BUILTINS = {name: getattr(builtins, name) for name in
                  ("complex", "range", "slice", "set", "frozenset", "bytearray")}


class Shown:
    """A student's object as the page shows it: its class's short name and its fields."""

    __slots__ = ("fields", "kind")

    def __init__(self, kind: str, fields: dict | None):
        self.kind, self.fields = kind, fields

    def __setstate__(self, state) -> None:
        """pickle's BUILD, after a rebuild helper that makes the object first and gives its state after
        (labrpc.codec._rebuild_plain): a dict of fields, or (dict, slots)."""
        for part in state if isinstance(state, tuple) else (state,):
            if isinstance(part, dict) and self.fields is not None:
                self.fields.update(part)


class Unreadable:
    __slots__ = ("why",)

    def __init__(self, why: str):
        self.why = why


def _short(class_name: str) -> str:
    return str(class_name).rpartition(":")[2].rpartition(".")[2]


def _object(class_name, *parts):
    """Any of the codec's rebuild helpers (labrpc.codec._rebuild*: a class name, then its state and slots as
    dicts, or a named tuple's items), whatever their exact signature: the fields, in order."""
    fields: dict = {}
    for part in parts:
        if isinstance(part, dict):
            fields.update(part)
        elif isinstance(part, tuple):
            fields.update(enumerate(part))
    return Shown(_short(class_name), fields)


def _enum_member(class_name, name):
    return Shown(f"{_short(class_name)}.{name}", None)


class _Reader(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "labrpc.codec" and name.startswith("_rebuild"):
            return _object
        if module == "labrpc.codec" and name == "_enum_member":
            return _enum_member
        if module == "builtins" and name in _SAFE_BUILTINS:
            return _SAFE_BUILTINS[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not data")


def read(data: bytes):
    if data is None:
        return None
    if len(data) > MAX_BYTES:
        return Unreadable(f"{len(data):,} bytes")
    try:
        return _Reader(io.BytesIO(data)).load()
    except Exception as exc:   # noqa: BLE001 - whatever the student side sent that is not a lab-codec value
        return Unreadable(f"{len(data):,} bytes that do not decode: {type(exc).__name__}")


def _key(name) -> str:
    return str(name).replace("_", "").lower()


def field(value, *names):
    """The first of `names` that value (a Shown) has, compared without case or underscores; else None."""
    if not isinstance(value, Shown) or value.fields is None:
        return None
    wanted = [_key(name) for name in names]
    found = {_key(k): v for k, v in value.fields.items()}
    return next((found[name] for name in wanted if name in found), None)


def show(value, limit: int = 160) -> str:
    """value as short text, at most about `limit` characters; containers show their first items and their size."""
    out: list[str] = []
    _write(value, out, [limit], 0)
    text = "".join(out)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _write(value, out: list, budget: list, depth: int) -> None:
    if budget[0] <= 0:
        return
    if isinstance(value, Shown):
        _put(out, budget, value.kind)
        if value.fields is not None:
            _put(out, budget, "(")
            for n, (name, item) in enumerate(value.fields.items()):
                if budget[0] <= 0:
                    break
                _put(out, budget, (", " if n else "") + (f"{name}=" if isinstance(name, str) else ""))
                _write(item, out, budget, depth + 1)
            _put(out, budget, ")")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)[:8] if depth < 4 else []
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("{", "}") if isinstance(value, (set, frozenset)) \
            else ("[", "]")
        _put(out, budget, opening + (f"{len(value)}: " if len(value) > 3 else ""))
        for n, item in enumerate(items):
            _put(out, budget, ", " if n else "")
            _write(item, out, budget, depth + 1)
        _put(out, budget, (", …" if len(value) > len(items) else "") + closing)
    elif isinstance(value, dict):
        _put(out, budget, "{" + (f"{len(value)}: " if len(value) > 3 else ""))
        for n, (key, item) in enumerate(list(value.items())[:6] if depth < 4 else []):
            _put(out, budget, (", " if n else "") + f"{key!r:.40}: ")
            _write(item, out, budget, depth + 1)
        _put(out, budget, ", …}" if len(value) > 6 or depth >= 4 else "}")
    elif isinstance(value, (bytes, bytearray)):
        _put(out, budget, f"<{len(value)} bytes>")
    elif isinstance(value, Unreadable):
        _put(out, budget, f"<{value.why}>")
    elif isinstance(value, int) and value.bit_length() > 128:   # repr of a huge int is slow, or refused
        _put(out, budget, f"<int of {value.bit_length()} bits>")
    elif isinstance(value, str):
        _put(out, budget, repr(value[:60] + "…" if len(value) > 60 else value))
    else:
        _put(out, budget, repr(value)[:60])


def _put(out: list, budget: list, text: str) -> None:
    out.append(text)
    budget[0] -= len(text)
