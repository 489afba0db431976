"""The timeline page's data, built from one run's recording after the run: compact columns, bounded in size.

    page_data(rec, *, title, replay=None, history_href=None, detail_cap=DETAIL_CAP, log_cap=LOG_CAP) -> dict
    history_error(info) -> [(call, return) of each illegal partition's first illegal op]   (virtual seconds)
    FATES                 the fate codes of data["rpc"]["k"], in order

Times are integer microseconds of virtual time. data["rpc"] holds one column per field, one row per RPC in send
order: t (send time, each as the difference from the one before), d (delivery - send, -1: never delivered), r (the
reply leaves the server - send, -1: no reply, -2: the same as e, as for every reply not held back), e (the caller
gets its reply or None - send, -1: never: its caller died), f and o (sender and server lanes, -1: no such server), m
(method index), k (fate). data["details"][i - data["details_from"]] is RPC i's arguments and reply, for the last
RPCs only (DETAIL_CAP). Roles and terms are inferred per server lane from what the network and the harness
saw (see _Roles); nothing is asked of the student's code.
"""

from __future__ import annotations

import functools
import os
import re

from tester.timeline import decode
from tester.timeline.recorder import LOG_CAP, Recorder

DETAIL_CAP = 20_000     # RPCs whose arguments and reply are kept (the last ones: nearest to a failure)
OP_CAP = 60_000         # clerk operations kept (the last ones)
CHECK_CAP = 20_000      # check markers kept (the last ones)
CACHED_BYTES = 2048     # payloads up to this size are decoded once per distinct value
FATES = ("reply", "unreachable", "drop-request", "drop-reply", "lost-to-death", "cancelled")
FOLLOWER, CANDIDATE, LEADER = 0, 1, 2
_NUMBER = re.compile(r"(\d+)")
_TESTER_DIR = os.sep + "tester" + os.sep
_NOT_WHERE = (os.sep + "testing.py", os.sep + "recorder.py")   # t.fatalf and the check decorator: not the place


def _us(seconds: float) -> int:
    return round(seconds * 1e6)


def _lane_order(name: str):
    """S0 < S2 < S10 < C0 < C1 < others: servers first, then clerks, numbers as numbers."""
    rank = {"S": 0, "C": 1}.get(name[:1], 2)
    return (rank, [int(part) if part.isdigit() else part for part in _NUMBER.split(name)])


def _payload(data: bytes | None) -> tuple[str, int | None]:
    """(short text, term field or None) of one encoded value."""
    if data is None:
        return "", None
    return _small_payload(data) if len(data) <= CACHED_BYTES else _read_payload(data)


@functools.lru_cache(maxsize=65536)
def _small_payload(data: bytes) -> tuple[str, int | None]:
    """Cached: a leader's heartbeats repeat the same bytes until something changes."""
    return _read_payload(data)


def _read_payload(data: bytes) -> tuple[str, int | None]:
    value = decode.read(data)
    term = decode.field(value, "term", "current_term")
    return decode.show(value), term if type(term) is int else None


def _role_of(method: str) -> int | None:
    """What sending this Raft RPC says about the sender: a vote request from a candidate, an AppendEntries or
    InstallSnapshot from a leader (by name, as students name their handlers: request_vote, RequestVote...)."""
    service, _, name = method.rpartition(".")
    name = name.lower()
    if service != "Raft":
        return None
    if "vote" in name:
        return CANDIDATE
    if "append" in name or "heartbeat" in name or "snapshot" in name:
        return LEADER
    return None


class _Roles:
    """Role and term bands of one server lane, from observations in time order (the Raft rules every peer obeys):
    sending a vote request in term T makes it a candidate in T; sending AppendEntries or InstallSnapshot in T, a
    leader in T; any term above its own that reaches it (a request delivered, a reply received) makes it a
    follower in that term, and so does an AppendEntries of its own term while a candidate; get_state() answers
    are taken as they are. A start begins an incarnation whose term is unknown until seen."""

    def __init__(self):
        self.bands: list[list] = []   # [t0, t1, role, term]
        self.role, self.term, self.since, self.alive, self.booted = FOLLOWER, None, 0, False, False

    def _set(self, t: int, role: int, term: int | None) -> None:
        if (role, term) != (self.role, self.term):
            self._close(t)
            self.role, self.term, self.since = role, term, t

    def _close(self, t: int) -> None:
        if self.alive and t > self.since:
            self.bands.append([self.since, t, self.role, -1 if self.term is None else self.term])
        self.since = t

    def observe(self, t: int, kind: str, term, leader: bool = False) -> None:
        if kind == "start":   # a first boot starts in term 0 (Figure 2); a restart, in its persisted term
            self._close(t)
            self.alive, self.role, self.since = True, FOLLOWER, t
            self.term = None if self.booted else 0
            self.booted = True
            return
        if not self.alive:
            return
        if kind == "crash":
            self._close(t)
            self.alive = False
        elif kind == "claim":          # term: the term it sent; leader: role claimed (CANDIDATE or LEADER)
            self._set(t, leader, term)
        elif kind == "state":
            if leader:
                self._set(t, LEADER, term)
            elif self.role != CANDIDATE or term != self.term:
                self._set(t, FOLLOWER, term)
        elif kind in ("saw", "saw-append") and term is not None and (
                self.term is None or term > self.term
                or (kind == "saw-append" and term == self.term and self.role == CANDIDATE)):
            self._set(t, FOLLOWER, term)

    def end(self, t: int) -> list[list]:
        self._close(t)
        return self.bands


def _lanes(rec: Recorder) -> list[str]:
    names = {call.peer for call in rec.calls} | {op[0] for op in rec.ops}
    names |= {f"S{call.server}" for call in rec.calls if isinstance(call.server, int)}
    names |= {f"S{fault[2]}" for fault in rec.faults if fault[1] in ("crash", "start")}
    names |= {f"S{i}" for fault in rec.faults if fault[1] == "groups" for group in fault[2] for i in group}
    names |= {name for _, name, _, _ in rec.states}
    names |= {f"S{server}" for _, server, _ in rec.applies}
    names.discard("tester")
    return sorted(names, key=_lane_order)


def page_data(rec: Recorder, *, title: str, replay: str | None = None, history_href: str | None = None,
              detail_cap: int = DETAIL_CAP, log_cap: int = LOG_CAP) -> dict:
    """Everything the page draws, as JSON-able columns (see the module docstring). rec must be finished."""
    outcome = rec.outcome
    end = _us(outcome.get("end") or 0.0)
    lanes = _lanes(rec)
    lane = {name: i for i, name in enumerate(lanes)}
    notes: list[str] = []
    rpc, details, roles = _rpcs(rec, lane, end, detail_cap, notes)
    data = {"title": title, "test": rec.test, "seed": rec.seed, "end": end, "lanes": lanes,
            "passed": not outcome.get("message"), "message": outcome.get("message", ""), "isolated": rec.isolated,
            "failed_at": _us(outcome["failed_at"]) if outcome.get("failed_at") is not None else None,
            "trace_hash": outcome.get("trace_hash", ""), "replay": replay, "history_href": history_href,
            "rpc": rpc, "details": details, "details_from": rpc.pop("from"), "methods": rpc.pop("methods"),
            "bands": roles, "faults": _faults(rec, lane, end), "marks": _marks(rec, lane),
            "checks": _checks(rec, notes), "ops": _ops(rec, lane, notes), "logs": _logs(rec, lane, log_cap, notes)}
    data["notes"] = notes
    return data


def _rpcs(rec: Recorder, lane: dict, end: int, detail_cap: int, notes: list) -> tuple[dict, list, dict]:
    methods: dict[str, int] = {}
    cols = {key: [] for key in "tdrefomk"}
    keep_from = cols["from"] = max(0, len(rec.calls) - detail_cap)
    if keep_from:
        notes.append(f"arguments and replies are kept for the last {detail_cap:,} of {len(rec.calls):,} RPCs")
    details: list[str] = []
    observations: dict[str, list] = {name: [] for name in lane if name.startswith("S")}
    for fault in rec.faults:
        if fault[1] in ("crash", "start") and f"S{fault[2]}" in observations:
            observations[f"S{fault[2]}"].append((_us(fault[0]), 0, fault[1], None, False))
    for at, name, term, leader in rec.states:
        if name in observations:
            observations[name].append((_us(at), 3, "state", term, leader))
    previous = 0
    for n, call in enumerate(rec.calls):
        sent = _us(call.sent)
        delivered = call.delivered
        returned = call.held if call.held is not None else call.done
        fate = FATES.index(call.fate) if call.fate in FATES else FATES.index("cancelled")
        server = f"S{call.server}" if isinstance(call.server, int) else None
        cols["t"].append(sent - previous)
        previous = sent
        cols["d"].append(_us(delivered) - sent if delivered is not None else -1)
        done = _us(call.done) - sent if call.done is not None and call.fate != "cancelled" else -1
        back = _us(returned) - sent if call.fate in ("reply", "drop-reply") and returned is not None else -1
        cols["r"].append(-2 if back == done and back >= 0 else back)
        cols["e"].append(done)
        cols["f"].append(lane.get(call.peer, -1))
        cols["o"].append(lane.get(server, -1) if server else -1)
        cols["m"].append(methods.setdefault(call.method, len(methods)))
        cols["k"].append(fate)
        role = _role_of(call.method)
        request, request_term = _payload(call.request) if role is not None or n >= keep_from else ("", None)
        reply, reply_term = _payload(call.reply) if role is not None or n >= keep_from else ("", None)
        if n >= keep_from:
            details.append(request + ("\n→ " + reply if call.reply is not None else ""))
        if role is None or request_term is None:
            continue
        if call.peer in observations:
            observations[call.peer].append((sent, 1, "claim", request_term, role))
        if server in observations and delivered is not None:
            observations[server].append((_us(delivered), 2, "saw-append" if role == LEADER else "saw",
                                         request_term, False))
        if call.peer in observations and call.fate == "reply" and reply_term is not None:
            observations[call.peer].append((_us(call.done), 2, "saw", reply_term, False))
    cols["methods"] = list(methods)
    bands = {key: [] for key in ("lane", "t0", "t1", "role", "term")}
    for name, seen in observations.items():
        roles = _Roles()
        for at, _, kind, term, leader in sorted(seen, key=lambda o: (o[0], o[1])):
            roles.observe(at, kind, term, leader)
        for t0, t1, role, term in roles.end(end):
            for key, value in zip(bands, (lane[name], t0, t1, role, term)):
                bands[key].append(value)
    return cols, details, bands


def _faults(rec: Recorder, lane: dict, end: int) -> list[dict]:
    """Shaded spans: {kind, t0, t1, text, lanes, group}: "down" (a server between crash and restart), "group" (a
    server's side of a partition; group 0 is the first group, a server alone is cut off), "unreliable",
    "long_reordering", "clerk" (a clerk cut off from some servers)."""
    spans: list[dict] = []
    open_modes: dict[str, int] = {}
    down: dict[int, int] = {}
    groups_since, groups = 0, None
    clerk_cut: dict[str, tuple[int, set]] = {}   # clerk -> (since, the servers it cannot reach)
    servers = {int(name[1:]) for name in lane if name.startswith("S") and name[1:].isdigit()}

    def close_groups(t: int) -> None:
        if groups is not None and len(groups) > 1 and t > groups_since:
            text = "partition " + " | ".join("{" + ",".join(map(str, g)) + "}" for g in groups)
            for g, members in enumerate(groups):
                spans.append({"kind": "group", "t0": groups_since, "t1": t, "group": g, "text": text,
                              "lanes": [lane[f"S{i}"] for i in members if f"S{i}" in lane],
                              "alone": len(members) == 1})

    for fault in rec.faults:
        t, kind = _us(fault[0]), fault[1]
        if kind == "crash":
            down[fault[2]] = t
        elif kind == "start" and fault[2] in down:
            since = down.pop(fault[2])
            spans.append({"kind": "down", "t0": since, "t1": t, "lanes": [lane[f"S{fault[2]}"]],
                          "text": f"S{fault[2]} crashed"})
        elif kind == "groups" and fault[2] != groups:
            close_groups(t)
            groups_since, groups = t, fault[2]
        elif kind in ("unreliable", "long_reordering"):
            if fault[2] and kind not in open_modes:
                open_modes[kind] = t
            elif not fault[2] and kind in open_modes:
                since = open_modes.pop(kind)
                if t > since:
                    spans.append({"kind": kind, "t0": since, "t1": t, "lanes": [], "text": kind.replace("_", " ")})
        elif kind == "clerk":   # a clerk's ends start disabled: it reaches only the servers enabled so far
            since, cut = clerk_cut.get(fault[2], (t, servers))
            now_cut = (cut - set(fault[3])) if fault[4] else (cut | set(fault[3]))
            if cut and now_cut != cut and t > since:
                spans.append({"kind": "clerk", "t0": since, "t1": t, "lanes": [lane.get(fault[2], -1)],
                              "text": f"{fault[2]} cut off from " + ",".join(f"S{i}" for i in sorted(cut))})
            clerk_cut[fault[2]] = (t if now_cut != cut else since, now_cut)
    close_groups(end)
    for server, since in down.items():
        spans.append({"kind": "down", "t0": since, "t1": end, "lanes": [lane[f"S{server}"]],
                      "text": f"S{server} crashed"})
    for kind, since in open_modes.items():
        spans.append({"kind": kind, "t0": since, "t1": end, "lanes": [], "text": kind.replace("_", " ")})
    for clerk, (since, cut) in clerk_cut.items():
        if cut:
            spans.append({"kind": "clerk", "t0": since, "t1": end, "lanes": [lane.get(clerk, -1)],
                          "text": f"{clerk} cut off from " + ",".join(f"S{i}" for i in sorted(cut))})
    return spans


def _marks(rec: Recorder, lane: dict) -> dict:
    """Per-lane markers: applied entries ("a", with their index), snapshots taken, installed or restored."""
    kinds = {"apply": 0, "taken": 1, "installed": 2, "restored": 3, "start": 4, "crash": 5}
    cols = {key: [] for key in ("lane", "t", "kind", "index")}

    def add(at, server, kind, index):
        if f"S{server}" in lane:
            for key, value in zip(cols, (lane[f"S{server}"], _us(at), kinds[kind], index)):
                cols[key].append(value)

    for at, server, index in rec.applies:
        add(at, server, "apply", index)
    for at, server, index, how in rec.snapshots:
        add(at, server, how, index)
    for fault in rec.faults:
        if fault[1] in ("start", "crash"):
            add(fault[0], fault[2], fault[1], -1)
    cols["kinds"] = list(kinds)
    return cols


def _shown_arg(value) -> str | None:
    """A check's argument as the marker shows it; None for the harness's own objects (cfg, t)."""
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 24 else value[:23] + "…")
    if isinstance(value, (list, tuple)):
        return repr(value) if len(value) <= 5 and all(isinstance(v, int) for v in value) else f"<{len(value)} items>"
    peer = getattr(value, "peer", None)
    return getattr(peer, "name", None)


def _checks(rec: Recorder, notes: list) -> list[dict]:
    outcome = rec.outcome
    failure = outcome.get("failure")
    checks = rec.checks[-CHECK_CAP:]
    if len(rec.checks) > CHECK_CAP:
        notes.append(f"the last {CHECK_CAP:,} of {len(rec.checks):,} checks are shown")
    out, failing = [], None
    for name, args, t0, t1, result, error in checks:
        shown = [text for text in map(_shown_arg, args) if text is not None]
        mark = {"name": name, "label": f"{name}({', '.join(shown)})", "t0": _us(t0), "t1": _us(t1 if t1 is not None else t0),
                "result": "" if result is None else decode.show(result, 60), "failed": False, "message": ""}
        if error is not None:
            is_cancel = type(error).__name__ == "CancelledError"
            mark["failed"] = not is_cancel
            mark["message"] = "interrupted (the test stopped)" if is_cancel else str(error)
            if failure is not None and error is failure and failing is None:
                failing = mark
        out.append(mark)
    if failing is None and outcome.get("message"):
        at = _us(outcome["failed_at"] if outcome.get("failed_at") is not None else outcome.get("end", 0.0))
        where = _raised_where(failure)
        failing = {"name": where, "label": where, "t0": at, "t1": at, "result": "", "failed": True,
                   "message": outcome["message"]}
        out.append(failing)
    if failing is not None:
        failing["failing"] = True
    return out


def _raised_where(failure: BaseException | None) -> str:
    """Where the failure was raised in the tester's own files, innermost first ("lab2_tests.py:212"), for a failure
    that no recorded check raised (a check written in the test body, an applier's); else "the run failed"."""
    tb, where = failure.__traceback__ if failure is not None else None, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if _TESTER_DIR in code.co_filename and not code.co_filename.endswith(_NOT_WHERE):
            where = f"{os.path.basename(code.co_filename)}:{tb.tb_lineno} ({code.co_name})"
        tb = tb.tb_next
    return where or "the run failed"


def history_error(info) -> list[tuple[float, float]]:
    """(call, return) of the first illegal op of each illegal partition of a checked history, as the history view
    (tester.porcupine.visualize) marks it."""
    from tester.porcupine import KV_MODEL
    from tester.porcupine.visualize import page_data as history_page
    found = []
    for part in history_page(KV_MODEL, info)["partitions"]:
        if part["error"] is not None:
            op = part["ops"][part["error"]["op"]]
            found.append((op["call"], op["ret"]))
    return found


def _ops(rec: Recorder, lane: dict, notes: list) -> dict:
    """Clerk operations, one box each: lane, t0, t1, kind (0 get, 1 put, 2 append), text, bad (the op the
    linearizability check could not place), err (it failed or was cancelled)."""
    ops = rec.ops[-OP_CAP:]
    if len(rec.ops) > OP_CAP:
        notes.append(f"the last {OP_CAP:,} of {len(rec.ops):,} clerk operations are shown")
    illegal = history_error(rec.history) if rec.history is not None else []
    cols = {key: [] for key in ("lane", "t0", "t1", "kind", "text", "bad", "err")}
    for clerk, method, args, start, end, result, error in ops:
        text = f"{method}({', '.join(decode.show(a, 40) for a in args)})"
        if result is not None:
            text += " → " + decode.show(result, 80)
        bad = any(abs(call - start) < 2e-6 and abs(ret - end) < 2e-6 for call, ret in illegal)
        for key, value in zip(cols, (lane.get(clerk, -1), _us(start), _us(end),
                                     {"get": 0, "put": 1, "append": 2}.get(method, 3), text, int(bad),
                                     error or "")):
            cols[key].append(value)
    return cols


def _logs(rec: Recorder, lane: dict, cap: int, notes: list) -> dict:
    logs = list(rec.logs)[-cap:]
    if rec.log_count > len(logs):
        notes.append(f"the last {len(logs):,} of {rec.log_count:,} output lines are shown (all were printed by "
                     f"`raftlab replay`, and are in a failing batch run's .log)")
    topics: dict[str, int] = {}
    cols = {key: [] for key in ("t", "lane", "topic", "text")}
    for at, peer, topic, message in logs:
        for key, value in zip(cols, (_us(at), lane.get(peer, -1), topics.setdefault(topic, len(topics)),
                                     message if len(message) <= 300 else message[:299] + "…")):
            cols[key].append(value)
    cols["topics"] = list(topics)
    cols["peers"] = sorted({peer for _, peer, _, _ in logs if peer not in lane})
    return cols
