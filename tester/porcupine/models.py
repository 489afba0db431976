"""Sequential specifications the checker tests histories against.

Model                                   base class: override init, step and (optionally) partition, describe_*
  .partition(ops) -> [[Operation]]      independent sub-histories (default: one); each keeps the original order
  .init() -> state                      the initial state; states must be hashable and compared with ==
  .step(state, input, output) -> (ok, new_state)   is `output` legal for `input` in `state`? never mutates state
  .describe_operation(input, output) -> str,  .describe_state(state) -> str    text for the HTML view
KvInput(op, key, value=""), KvOutput(value="")   op is GET, PUT or APPEND; a get's output carries the value read
KvModel / KV_MODEL                      the 6.824 KV store: one string per key, partitioned by key (sorted key order)
RegisterInput(op, value=None, expect=None)       op is READ, WRITE or CAS; cas(expect -> value)
RegisterOutput(value=None, ok=True, unknown=False)   read's value (None: absent), cas's ok; unknown: outcome lost
RegisterModel / REGISTER_MODEL          one register, initially absent (None); an unknown outcome is legal in any state
MODELS                                  {"kv": KV_MODEL, "register": REGISTER_MODEL}
"""
from __future__ import annotations

from typing import Any, Hashable, NamedTuple

from .history import Operation

GET, PUT, APPEND = "get", "put", "append"
READ, WRITE, CAS = "read", "write", "cas"


class Model:
    """A sequential object. Subclasses must override init and step."""

    def partition(self, operations: list[Operation]) -> list[list[Operation]]:
        return [list(operations)]

    def init(self) -> Hashable:
        raise NotImplementedError(f"{type(self).__name__} must define init()")

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Hashable]:
        raise NotImplementedError(f"{type(self).__name__} must define step(state, input, output)")

    def describe_operation(self, input: Any, output: Any) -> str:
        return f"{input} -> {output}"

    def describe_state(self, state: Any) -> str:
        return repr(state)


class KvInput(NamedTuple):
    op: str
    key: str
    value: str = ""


class KvOutput(NamedTuple):
    value: str = ""


class KvModel(Model):
    """Get/Put/Append on string keys. Keys are independent, so each key's sub-history is checked alone
    (P-compositionality, spec §7.1); the state is then the value of that one key."""

    def partition(self, operations):
        by_key: dict[str, list[Operation]] = {}
        for op in operations:
            by_key.setdefault(op.input.key, []).append(op)
        return [by_key[k] for k in sorted(by_key)]

    def init(self):
        return ""

    def step(self, state, input, output):
        op = input.op
        if op == GET:
            return output.value == state, state
        if op == APPEND:
            return True, state + input.value
        if op == PUT:
            return True, input.value
        raise ValueError(f"KvModel: unknown op {input.op!r} in {input!r}; use GET, PUT or APPEND")

    def describe_operation(self, input, output):
        if input.op == GET:
            return f"get({input.key!r}) -> {output.value!r}"
        if input.op in (PUT, APPEND):
            return f"{input.op}({input.key!r}, {input.value!r})"
        return "<invalid>"


class RegisterInput(NamedTuple):
    op: str
    value: Any = None
    expect: Any = None


class RegisterOutput(NamedTuple):
    value: Any = None
    ok: bool = True
    unknown: bool = False


class RegisterModel(Model):
    """Read/Write/Compare-and-set on one register (the etcd Jepsen histories). An operation whose outcome
    is unknown (it timed out) may or may not have taken effect: any state accepts it, and a write or a
    matching cas still changes the state, since the checker may place it last when it did not happen."""

    def init(self):
        return None

    def step(self, state, input, output):
        if input.op == READ:
            return output.unknown or output.value == state, state
        if input.op == WRITE:
            return True, input.value
        if input.op == CAS:
            hit = state == input.expect
            return output.unknown or hit == output.ok, input.value if hit else state
        raise ValueError(f"RegisterModel: unknown op {input.op!r} in {input!r}; use READ, WRITE or CAS")

    def describe_operation(self, input, output):
        if input.op == READ:
            got = "?" if output.unknown else _show(output.value)
            return f"read() -> {got}"
        if input.op == WRITE:
            return f"write({_show(input.value)})" + (" -> ?" if output.unknown else "")
        if input.op == CAS:
            got = "?" if output.unknown else ("ok" if output.ok else "fail")
            return f"cas({_show(input.expect)}, {_show(input.value)}) -> {got}"
        return "<invalid>"

    def describe_state(self, state):
        return _show(state)


def _show(v):
    return "nil" if v is None else str(v)


KV_MODEL = KvModel()
REGISTER_MODEL = RegisterModel()
MODELS = {"kv": KV_MODEL, "register": REGISTER_MODEL}
