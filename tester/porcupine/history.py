"""Histories: what each client asked, what it got back, and when.

Operation(client, input, call, output, return_)   one completed (or closed-as-unknown) operation, call <= return_
Event(client, kind, value, id)                    a call or return event; kind is CALL or RETURN, id pairs them
CALL, RETURN                                      the two event kinds
Annotation(time, text, peer=None, end=None)       a fault or note drawn on the HTML view (end: a span, not a point)
events_to_operations(events) -> [Operation]       pair events by id; time = position in the event list
operations_to_events(operations) -> [Event]       the events in time order (calls before returns at equal times)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Iterable, NamedTuple

CALL, RETURN = "call", "return"


class Operation(NamedTuple):
    client: int
    input: Any
    call: float
    output: Any
    return_: float


class Event(NamedTuple):
    client: int
    kind: str
    value: Any
    id: Hashable


@dataclass(frozen=True)
class Annotation:
    """A vertical marker on the history view, e.g. "partition {0,1} | {2,3,4}" at virtual time 3.2 s.

    `peer` names the server it concerns (a crash of peer 2), `end` turns the marker into a shaded span
    (a partition that healed at `end`)."""
    time: float
    text: str
    peer: int | None = None
    end: float | None = None


def events_to_operations(events: Iterable[Event]) -> list[Operation]:
    """Pair each call with the return of the same id; the position in the list is the time.

    Raises ValueError (naming the event's position) on a return without a call, a duplicate call id,
    or a call that is never answered: close it with an explicit return (e.g. an unknown output) first."""
    open_calls: dict[Hashable, tuple[int, Event]] = {}
    ops: list[tuple[int, Operation]] = []
    for t, ev in enumerate(events):
        if ev.kind == CALL:
            if ev.id in open_calls:
                raise ValueError(f"event {t}: call id {ev.id!r} is already open (ids must be unique among open calls)")
            open_calls[ev.id] = (t, ev)
        elif ev.kind == RETURN:
            if ev.id not in open_calls:
                raise ValueError(f"event {t}: return for id {ev.id!r} has no open call")
            t0, call = open_calls.pop(ev.id)
            ops.append((t0, Operation(call.client, call.value, t0, ev.value, t)))
        else:
            raise ValueError(f"event {t}: kind must be CALL or RETURN, got {ev.kind!r}")
    if open_calls:
        ident, (t0, _) = next(iter(open_calls.items()))
        raise ValueError(f"event {t0}: call id {ident!r} never returns; append a return event for it")
    ops.sort(key=lambda p: p[0])  # operations in call order, like the event list
    return [op for _, op in ops]


def operations_to_events(operations: Iterable[Operation]) -> list[Event]:
    """Events sorted by time; at equal times calls come first, since a zero-length gap still overlaps."""
    timed = []
    for i, op in enumerate(operations):
        timed.append((op.call, 0, i, Event(op.client, CALL, op.input, i)))
        timed.append((op.return_, 1, i, Event(op.client, RETURN, op.output, i)))
    timed.sort(key=lambda t: t[:3])
    return [t[3] for t in timed]
