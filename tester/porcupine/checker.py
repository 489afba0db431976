"""Linearizability checking (spec §7.3: Wing & Gong's search with Lowe's cache, per partition).

CheckResult.OK / .ILLEGAL / .UNKNOWN             linearizable / not / undecided when the time budget ran out
check_operations(model, ops, timeout=None) -> CheckResult
check_operations_verbose(model, ops, timeout=None) -> (CheckResult, LinearizationInfo)
check_events(model, events, timeout=None) -> CheckResult            events: see history.events_to_operations
check_events_verbose(model, events, timeout=None) -> (CheckResult, LinearizationInfo)
LinearizationInfo(result, partitions)            verbose outcome, input of visualize.visualize
PartitionInfo(operations, partial_linearizations, ok)
    operations: the partition's ops (their index is their id); partial_linearizations: distinct sequences of ids,
    longest first, each a longest linearizable prefix found for some op; ok: True, False, or None (undecided)

timeout: wall-clock seconds shared by all partitions; None means no limit. Partitions are searched in turns of a
few thousand steps, so a partition that is quickly illegal is found even while another one is slow, as with the
parallel Go checker. Non-verbose checking stops at the first illegal partition; verbose checking goes on with the
others (for their partial linearizations) until they finish or the budget runs out. ILLEGAL wins over a timeout.
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

from .history import Event, Operation, events_to_operations
from .models import Model

_SLICE = 2048  # lifts and backtracks a partition makes before the next partition gets its turn
_UNTRIED, _ILLEGAL = -2, -1


class CheckResult(enum.Enum):
    OK = "ok"
    ILLEGAL = "illegal"
    UNKNOWN = "unknown"


@dataclass
class PartitionInfo:
    operations: list[Operation]
    partial_linearizations: list[tuple[int, ...]]
    ok: bool | None


@dataclass
class LinearizationInfo:
    result: CheckResult
    partitions: list[PartitionInfo]


def check_operations(model: Model, operations: Iterable[Operation], timeout: float | None = None) -> CheckResult:
    return _check(model, list(operations), timeout, verbose=False).result


def check_operations_verbose(model: Model, operations: Iterable[Operation],
                             timeout: float | None = None) -> tuple[CheckResult, LinearizationInfo]:
    info = _check(model, list(operations), timeout, verbose=True)
    return info.result, info


def check_events(model: Model, events: Iterable[Event], timeout: float | None = None) -> CheckResult:
    return check_operations(model, events_to_operations(events), timeout)


def check_events_verbose(model: Model, events: Iterable[Event],
                         timeout: float | None = None) -> tuple[CheckResult, LinearizationInfo]:
    return check_operations_verbose(model, events_to_operations(events), timeout)


def _check(model: Model, operations: list[Operation], timeout: float | None, verbose: bool) -> LinearizationInfo:
    for i, op in enumerate(operations):
        if not op.call <= op.return_:
            raise ValueError(f"operation {i} (client {op.client}, {op.input!r}) returns at {op.return_} "
                             f"before its call at {op.call}")
    parts = model.partition(operations)
    deadline = None if timeout is None else time.monotonic() + timeout
    longest = [[()] * len(p) for p in parts]  # per op id: the longest linearizable prefix containing it
    searches = {i: _search(model, p, longest[i] if verbose else None) for i, p in enumerate(parts)}
    verdicts: list[bool | None] = [None] * len(parts)
    timed_out = False
    while searches:
        for i, search in list(searches.items()):
            try:
                next(search)
            except StopIteration as done:
                verdicts[i] = done.value
                del searches[i]
                if not done.value and not verbose:
                    searches.clear()  # one illegal partition decides the whole history
                    break
        if searches and deadline is not None and time.monotonic() >= deadline:
            timed_out = True
            break
    result = (CheckResult.ILLEGAL if False in verdicts else
              CheckResult.UNKNOWN if timed_out else CheckResult.OK)
    infos = []
    for ops, ok, by_op in zip(parts, verdicts, longest):
        distinct = sorted({seq for seq in by_op if seq}, key=lambda s: (-len(s), s)) if verbose else []
        infos.append(PartitionInfo(ops, distinct, ok))
    return LinearizationInfo(result, infos)


def _search(model: Model, ops: list[Operation], longest: list[tuple[int, ...]] | None) -> Iterator[None]:
    """Depth-first search for a linearization of one partition; yields every _SLICE moves, returns ok.

    The history is a doubly linked list of call and return entries in time order (node 0 is the head,
    node 2n+1 the tail), kept as index arrays because Python objects would be slower. Walking it from the
    head, a call entry is an operation that may take effect now; the first return entry met marks the op
    that must have taken effect by then, so meeting it means backtracking. Linearizing an op unlinks both
    its entries ("lift") and restarts the walk; backtracking relinks them in reverse order ("unlift").
    Each (linearized set, state) configuration is explored once: the cache holds the ones already seen.
    States are interned to small ints and each op's transitions are memoized per state, since the walk
    tries the same op from the same state many times (e.g. after a read that left the state unchanged)."""
    n = len(ops)
    if n == 0:
        return True
    entries = sorted([(op.call, 0, i) for i, op in enumerate(ops)] + [(op.return_, 1, i) for i, op in enumerate(ops)])
    tail = 2 * n + 1
    nxt = list(range(1, tail + 1)) + [tail]
    prv = [0] + list(range(0, tail))
    call_op = [-1] * (tail + 1)  # node -> op id for call entries, -1 for the head, returns and tail
    ret_node = [0] * n  # op id -> its return entry's node
    for node, (_, is_return, i) in enumerate(entries, start=1):
        if is_return:
            ret_node[i] = node
        else:
            call_op[node] = i
    bits = [1 << i for i in range(n)]
    step, inputs, outputs = model.step, [op.input for op in ops], [op.output for op in ops]
    states = [model.init()]  # state id -> state
    state_ids = {_hashable(model, states[0]): 0}
    moves: list[dict[int, int]] = [{}]  # state id -> {op -> next state id or _ILLEGAL}: each step is computed once
    seen = [set()]  # state id -> linearized sets already explored in that state (Lowe's cache)

    linearized, sid, row = 0, 0, moves[0]  # the linearized ops (a bitset), the state id and its moves
    stack: list[tuple[int, int]] = []  # (call node, state id before it) of each linearized op, in order
    node = nxt[0]
    countdown = _SLICE
    climbed = False  # a lift since the last backtrack: only then can the stack be a new longest partial
    while True:
        op = call_op[node]
        if op >= 0:  # a call: try to linearize this op now
            after = row.get(op, _UNTRIED)
            if after == _UNTRIED:
                ok, new_state = step(states[sid], inputs[op], outputs[op])
                after = state_ids.setdefault(_hashable(model, new_state), len(states)) if ok else _ILLEGAL
                if after == len(states):
                    states.append(new_state)
                    moves.append({})
                    seen.append(set())
                row[op] = after
            if after >= 0:
                config = linearized | bits[op]
                explored = seen[after]
                if config not in explored:
                    explored.add(config)
                    stack.append((node, sid))
                    linearized, sid, row = config, after, moves[after]
                    climbed = True
                    p, q = prv[node], nxt[node]  # lift the call entry...
                    nxt[p], prv[q] = q, p
                    r = ret_node[op]
                    p, q = prv[r], nxt[r]  # ...and its return entry
                    nxt[p], prv[q] = q, p
                    node = nxt[0]
                    if node == tail:
                        break
                    countdown -= 1
                    if not countdown:
                        countdown = _SLICE
                        yield
                    continue
            node = nxt[node]
        else:  # a return: its op must already be linearized, and none of the pending calls could be
            if not stack:
                return False
            if climbed and longest is not None:
                _record_partial(longest, stack, call_op)
            climbed = False
            node, sid = stack.pop()
            row = moves[sid]
            op = call_op[node]
            linearized ^= bits[op]
            r = ret_node[op]  # unlift: relink the return entry, then the call entry
            nxt[prv[r]] = prv[nxt[r]] = r
            nxt[prv[node]] = prv[nxt[node]] = node
            node = nxt[node]
            countdown -= 1
            if not countdown:
                countdown = _SLICE
                yield
    if longest is not None:
        full = tuple(call_op[nd] for nd, _ in stack)
        longest[:] = [full] * n
    return True


def _hashable(model: Model, state):
    try:
        hash(state)
    except TypeError:
        raise TypeError(f"{type(model).__name__} produced the state {state!r}, which is not hashable: "
                        f"the checker caches states, so use immutable values (str, int, tuple, frozenset)") from None
    return state


def _record_partial(longest: list[tuple[int, ...]], stack: list[tuple[int, int]], call_op: list[int]) -> None:
    """The current prefix becomes the longest partial linearization of each op in it that had a shorter one."""
    size = len(stack)
    seq = None
    for nd, _ in stack:
        op = call_op[nd]
        if len(longest[op]) < size:
            if seq is None:
                seq = tuple(call_op[x] for x, _ in stack)
            longest[op] = seq
