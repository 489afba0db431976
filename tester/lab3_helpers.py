"""Helpers of the lab 3 tests: the rest of Go's kvraft/test_test.go (the tests themselves are in lab3_tests.py).

    OpLog()                                    the history of logged clerk operations: .append(op), .read() -> copy
    await get(cfg, ck, key, log, cli) -> str   clerk operations as Go's wrappers: virtual-time call/return stamps,
    await put(cfg, ck, key, value, log, cli)   cfg.op(), and an Operation in `log` (unless None) for client cli
    await append(cfg, ck, key, value, log, cli)
    await check(cfg, t, ck, key, value)        a Get (not logged) that must return value
    difference(wanted, got) -> text            where two values part (for the messages of wrong Gets, under Go's):
                                               the first differing "x c j y" element, else character; the sizes
    await spawn_clients_and_wait(t, cfg, ncli, fn)   ncli clients, each `await fn(me, ck, t)` with a fresh clerk
    next_value(prev, val), check_clnt_appends(t, clnt, v, count), check_concurrent_appends(t, v, counts)
    await select(events, timeout) -> event | None   the first of the asyncio.Events to be set within timeout (Go select)
    await partitioner(t, cfg, done)            random two-way partitions every 1-1.2 s until the event `done` is set
    generic_title(part, nclients, unreliable, crash, partitions, maxraftstate, randomkeys) -> the GenericTest title
    await generic_test(t, part, nclients, nservers, unreliable, crash, partitions, maxraftstate, randomkeys)
    await generic_test_speed(t, part, maxraftstate)
    await check_history(t, cfg, ops)           the linearizability check that ends GenericTest (see below)
    go_duration(seconds) -> "33.333333ms"      Go's time.Duration text, for messages
    ELECTION_TIMEOUT = 1.0, LINEARIZABILITY_CHECK_TIMEOUT, LINEARIZABILITY_RETRY_TIMEOUT (real seconds)

check_history: Illegal fails the test with `history is not linearizable` after writing the HTML view (with the
harness's faults as annotations) and the JSON history next to it, in $RAFTLAB_OUTPUT_DIR if set, else in the
temp directory. Unknown (the budget ran out, twice) is never taken for Ok: the files are written too and
t.unknown says why, so the run is reported as unknown, not passed.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

import labrpc
from labrpc.errors import show

from tester import timeline
from tester.kv_config import Config, make_config
from tester.porcupine import (APPEND, GET, KV_MODEL, PUT, CheckResult, KvInput, KvOutput, Operation,
                              check_operations_verbose, write_history)
from tester.porcupine.visualize import visualize
from tester.raft_config import rand

ELECTION_TIMEOUT = 1.0   # seconds (virtual)
# Real seconds the checker may search. Go gives it 1 s of native code; Python needs more. Each check blocks the
# simulation's only thread, so each stays well under the watchdog's 10 s busy limit: sorting a big history comes
# on top of the budget (about 2 s for 90k operations).
LINEARIZABILITY_CHECK_TIMEOUT = 2.0
LINEARIZABILITY_RETRY_TIMEOUT = 5.0


class OpLog:
    def __init__(self):
        self._operations: list[Operation] = []

    def append(self, op: Operation) -> None:
        self._operations.append(op)

    def read(self) -> list[Operation]:
        return list(self._operations)


# --- clerk operations, as Go's Get/Put/Append wrappers
async def get(cfg: Config, ck, key: str, log: OpLog | None, cli: int) -> str:
    start = cfg.timestamp()
    v = await ck.get(key)
    end = cfg.timestamp()
    cfg.op()
    if log is not None:
        log.append(Operation(cli, KvInput(GET, key), start, KvOutput(v), end))
    return v


async def put(cfg: Config, ck, key: str, value: str, log: OpLog | None, cli: int) -> None:
    start = cfg.timestamp()
    await ck.put(key, value)
    end = cfg.timestamp()
    cfg.op()
    if log is not None:
        log.append(Operation(cli, KvInput(PUT, key, value), start, KvOutput(), end))


async def append(cfg: Config, ck, key: str, value: str, log: OpLog | None, cli: int) -> None:
    start = cfg.timestamp()
    await ck.append(key, value)
    end = cfg.timestamp()
    cfg.op()
    if log is not None:
        log.append(Operation(cli, KvInput(APPEND, key, value), start, KvOutput(), end))


@timeline.recorded_check
async def check(cfg: Config, t, ck, key: str, value: str) -> None:
    v = await get(cfg, ck, key, None, -1)
    if v != value:
        t.fatalf(f"Get({key}): expected:\n{value}\nreceived:\n{v}\n{difference(value, v)}")


# What the generic test's clients append ("x <client> <j> y"): a value made of these is compared element by element.
_ELEMENT = re.compile(r"x -?\d+ -?\d+ y")
_SNIPPET = 24   # characters of each value shown where they part


def difference(wanted: str, got: str) -> str:
    """Where got departs from wanted, in two indented lines: the first element (or character) that differs, or what
    one has beyond the other, then both sizes. The values themselves can be thousands of characters long."""
    elements = [_ELEMENT.findall(v) if _ELEMENT.sub("", v) == "" else None for v in (wanted, got)]
    unit = "element" if None not in elements and (elements[0] or elements[1]) else "character"
    want, have = elements if unit == "element" else (wanted, got)
    at = next((i for i, (a, b) in enumerate(zip(want, have)) if a != b), min(len(want), len(have)))

    def part(value):
        return show(value[at] if unit == "element" else value[at:at + _SNIPPET])

    if at < len(want) and at < len(have):
        after = f", after {show(want[at - 1])}" if unit == "element" and at > 0 else ""
        where = f"first difference at {unit} {at} (counting from 0){after}: wanted {part(want)}, got {part(have)}"
    elif at < len(have):
        where = (f"got has the {_count(at, unit)} wanted, then {len(have) - at} more, starting with" if at else
                 "wanted is empty; got starts with") + f" {part(have)}"
    else:
        where = (f"got stops after {_count(at, unit)}; wanted goes on with {len(want) - at} more, starting with"
                 if at else "got is empty; wanted starts with") + f" {part(want)}"
    sizes = [_count(len(items), unit) + (f" ({len(value)} chars)" if unit == "element" else "")
             for items, value in ((want, wanted), (have, got))]
    return f"  {where}\n  wanted: {sizes[0]}; got: {sizes[1]}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


# --- clients
async def run_client(t, cfg: Config, me: int, fn) -> bool:
    """A client: a fresh clerk connected to every server runs fn; True once fn returned."""
    ck = cfg.make_client(cfg.all())
    await fn(me, ck, t)
    cfg.delete_client(ck)
    return True


async def spawn_clients_and_wait(t, cfg: Config, ncli: int, fn) -> None:
    """Spawn ncli clients and wait until they are all done."""
    clients = [t.go(run_client(t, cfg, cli, fn), name=f"client {cli}") for cli in range(ncli)]
    for ok in await t.wait_all(clients):
        if not ok:
            t.fatalf("failure")


def next_value(prev: str, val: str) -> str:
    """Predict the effect of Append(k, val) if the old value is prev."""
    return prev + val


@timeline.recorded_check
def check_clnt_appends(t, clnt: int, v: str, count: int) -> None:
    """Check that for a specific client all known appends are present in a value, and in order."""
    lastoff = -1
    for j in range(count):
        wanted = f"x {clnt} {j} y"
        off = v.find(wanted)
        if off < 0:
            t.fatalf(f"{clnt} missing element {wanted} in Append result {v}")
        off1 = v.rfind(wanted)
        if off1 != off:
            t.fatalf(f"duplicate element {wanted} in Append result")
        if off <= lastoff:
            t.fatalf(f"wrong order for element {wanted} in Append result")
        lastoff = off


def check_concurrent_appends(t, v: str, counts: list[int]) -> None:
    """Check that all known appends are present in a value, and are in order for each concurrent client."""
    for i, count in enumerate(counts):
        check_clnt_appends(t, i, v, count)


async def select(events: list[asyncio.Event], timeout: float) -> asyncio.Event | None:
    """Go's `select` over channels and a time.After: the first event set within timeout, or None."""
    waiters = {asyncio.ensure_future(event.wait()): event for event in events}
    try:
        done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return next((event for waiter, event in waiters.items() if waiter in done), None)


async def partitioner(t, cfg: Config, done: asyncio.Event) -> None:
    """Repartition the servers periodically: each server lands in one of two groups at random."""
    while not done.is_set():
        a = [rand.int() % 2 for _ in range(cfg.n)]
        pa = [[j for j in range(cfg.n) if a[j] == i] for i in range(2)]
        cfg.partition(pa[0], pa[1])
        await asyncio.sleep(ELECTION_TIMEOUT + (rand.int63() % 200) / 1000)


# --- the generic tests
def generic_title(part: str, nclients: int, unreliable: bool, crash: bool, partitions: bool, maxraftstate: int,
                  randomkeys: bool) -> str:
    title = "Test: "
    if unreliable:
        title += "unreliable net, "   # the network drops RPC requests and replies
    if crash:
        title += "restarts, "         # peers re-start, and thus persistence must work
    if partitions:
        title += "partitions, "       # the network may partition
    if maxraftstate != -1:
        title += "snapshots, "
    if randomkeys:
        title += "random keys, "
    title += "many clients" if nclients > 1 else "one client"
    return title + f" ({part})"


async def generic_test(t, part: str, nclients: int, nservers: int, unreliable: bool, crash: bool, partitions: bool,
                       maxraftstate: int, randomkeys: bool) -> None:
    """Basic test: nclients clients append and get for 5 s, three times, under the given faults; then the whole
    history must be linearizable. With randomkeys the clients share keys and also put; without, each client owns
    a key and checks every Get against its own appends."""
    title = generic_title(part, nclients, unreliable, crash, partitions, maxraftstate, randomkeys)
    cfg = await make_config(t, nservers, unreliable, maxraftstate)
    cfg.begin(title)
    op_log = OpLog()
    ck = cfg.make_client(cfg.all())

    done_partitioner = asyncio.Event()
    done_clients = asyncio.Event()
    clnts = [asyncio.Queue() for _ in range(nclients)]

    async def client(cli: int, myck, t) -> None:
        j = 0
        try:
            last = ""   # only used when not randomkeys
            if not randomkeys:
                await put(cfg, myck, str(cli), last, op_log, cli)
            while not done_clients.is_set():
                key = str(rand.int() % nclients) if randomkeys else str(cli)
                nv = f"x {cli} {j} y"
                if rand.int() % 1000 < 500:
                    await append(cfg, myck, key, nv, op_log, cli)
                    if not randomkeys:
                        last = next_value(last, nv)
                    j += 1
                elif randomkeys and rand.int() % 1000 < 100:
                    # only with random keys: it would break the check done after Get() operations
                    await put(cfg, myck, key, nv, op_log, cli)
                    j += 1
                else:
                    v = await get(cfg, myck, key, op_log, cli)
                    # the following check only makes sense when we're not using random keys
                    if not randomkeys and v != last:
                        t.fatalf(f"get wrong value, key {key}, wanted:\n{last}\n, got\n{v}\n{difference(last, v)}")
        finally:
            clnts[cli].put_nowait(j)

    for _ in range(3):
        done_clients.clear()
        done_partitioner.clear()
        t.go(spawn_clients_and_wait(t, cfg, nclients, client), name="clients")
        partitions_task = None
        if partitions:
            # Allow the clients to perform some operations without interruption
            await asyncio.sleep(1)
            partitions_task = t.go(partitioner(t, cfg, done_partitioner), name="partitioner")
        await asyncio.sleep(5)

        done_clients.set()       # tell clients to quit
        done_partitioner.set()   # tell partitioner to quit

        if partitions:
            await t.wait_all([partitions_task])
            # Reconnect the network and submit a request. A client may have submitted a request in a minority.
            # That request won't return until that server discovers a new term has started.
            cfg.connect_all()
            await asyncio.sleep(ELECTION_TIMEOUT)   # wait for a while so that we have a new term

        if crash:
            for i in range(nservers):
                cfg.shutdown_server(i)
            # Wait for a while for servers to shut down, since shutdown isn't a real crash and isn't instantaneous
            await asyncio.sleep(ELECTION_TIMEOUT)
            for i in range(nservers):   # crash and re-start all
                cfg.start_server(i)
            cfg.connect_all()

        for i in range(nclients):   # wait for the clients
            j = await clnts[i].get()
            key = str(i)
            v = await get(cfg, ck, key, op_log, 0)
            if not randomkeys:
                check_clnt_appends(t, i, v, j)

        if maxraftstate > 0:
            # Check maximum after the servers have processed all client requests and had time to checkpoint.
            sz = cfg.log_size()
            if sz > 8 * maxraftstate:
                t.fatalf(f"logs were not trimmed ({sz} > 8*{maxraftstate})")
        if maxraftstate < 0:
            # Check that snapshots are not used
            ssz = cfg.snapshot_size()
            if ssz > 0:
                t.fatalf(f"snapshot too large ({ssz}), should not be used when maxraftstate = {maxraftstate}")

    await check_history(t, cfg, op_log.read())
    cfg.end()


async def generic_test_speed(t, part: str, maxraftstate: int) -> None:
    """1000 appends by one clerk, back to back: at least 3 ops per 100 ms heartbeat interval (virtual time)."""
    nservers = 3
    num_ops = 1000
    cfg = await make_config(t, nservers, False, maxraftstate)
    ck = cfg.make_client(cfg.all())
    cfg.begin(f"Test: ops complete fast enough ({part})")

    # wait until first op completes, so we know a leader is elected and KV servers are ready to process client
    # requests
    await ck.get("x")

    start = labrpc.now()
    for i in range(num_ops):
        await ck.append("x", f"x 0 {i} y")
    dur = labrpc.now() - start

    v = await ck.get("x")
    check_clnt_appends(t, 0, v, num_ops)

    # heartbeat interval should be ~ 100 ms; require at least 3 ops per
    heartbeat_interval_ns = 100_000_000
    ops_per_interval = 3
    time_per_op_ns = heartbeat_interval_ns // ops_per_interval
    if round(dur * 1e9) > num_ops * time_per_op_ns:
        t.fatalf(f"Operations completed too slowly {go_duration(dur / num_ops)}/op > "
                 f"{go_duration(time_per_op_ns / 1e9)}/op")
    cfg.end()


# --- the linearizability check
@timeline.recorded_check
async def check_history(t, cfg: Config, ops: list[Operation]) -> None:
    """Go: porcupine.CheckOperationsVerbose(models.KvModel, opLog.Read(), linearizabilityCheckTimeout)."""
    res, info = check_operations_verbose(KV_MODEL, ops, LINEARIZABILITY_CHECK_TIMEOUT)
    if res is CheckResult.UNKNOWN:
        await asyncio.sleep(0)   # a turn of the loop between two long searches: the busy-loop watchdog sees it
        res, info = check_operations_verbose(KV_MODEL, ops, LINEARIZABILITY_RETRY_TIMEOUT)
    if cfg.timeline is not None:   # the timeline links each op to this verdict, and shows the illegal one
        cfg.timeline.set_history(info, cfg.annotations())
    if res is CheckResult.OK:
        return
    await asyncio.sleep(0)
    html = _write_history_view(t, cfg, ops, info)
    if res is CheckResult.ILLEGAL:
        t.fatalf("history is not linearizable")
    t.unknown = (f"linearizability check timed out ({LINEARIZABILITY_CHECK_TIMEOUT:g} s, then "
                 f"{LINEARIZABILITY_RETRY_TIMEOUT:g} s of real time): the history's linearizability is UNKNOWN, "
                 f"not assumed ok")
    t.print(f"info: {t.unknown}", "warning")
    if html is not None:
        t.print(f"info: check it with a longer budget: raftlab check {html.with_suffix('.json')} --timeout 600")


def _write_history_view(t, cfg: Config, ops: list[Operation], info) -> Path | None:
    """The HTML view and, next to it, the JSON history; the path of the view (None if it could not be written)."""
    out_dir = os.environ.get("RAFTLAB_OUTPUT_DIR")
    try:
        if out_dir:
            html = Path(out_dir) / f"{t.name}-seed{t.seed}-history.html"
        else:
            fd, name = tempfile.mkstemp(prefix=f"{t.name}-seed{t.seed}-", suffix=".html")
            os.close(fd)
            html = Path(name)
    except OSError:
        t.print("info: failed to create temp file for visualization")
        return None
    notes = cfg.annotations()
    try:
        visualize(KV_MODEL, info, html, annotations=notes, title=f"{t.name} seed={t.seed}: {info.result.value}")
        write_history(html.with_suffix(".json"), ops, notes)
    except OSError:
        t.print(f"info: failed to write history visualization to {html}")
        return None
    if cfg.timeline is not None:   # the timeline links to this view rather than drawing one of its own
        cfg.timeline.history_view = html
    t.print(f"info: wrote history visualization to {html}")
    t.print(f"info: wrote history to {html.with_suffix('.json')}")
    return html


def go_duration(seconds: float) -> str:
    """A duration as Go's %v prints it: 33.333333ms, 1.5s, 250µs."""
    ns = round(seconds * 1e9)
    for unit, scale in (("s", 10 ** 9), ("ms", 10 ** 6), ("µs", 10 ** 3)):
        if abs(ns) >= scale:
            whole, frac = divmod(abs(ns), scale)
            digits = f"{frac:0{len(str(scale)) - 1}d}".rstrip("0")
            return f"{'-' if ns < 0 else ''}{whole}{'.' + digits if digits else ''}{unit}"
    return f"{ns}ns"
