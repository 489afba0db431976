"""The parallel runner: many seeded runs of many tests, each in a worker process, with a per-run timeout.

    plan_runs(test_names, seed, runs, check_determinism=False) -> [RunSpec]
    run_many(specs, *, workers, timeout, impl=None, clock="virtual", schedule="fifo", output_dir, on_result=None,
             on_start=None, in_process=False) -> [Record]
             stops cleanly on KeyboardInterrupt (records so far, .interrupted)
             stops (records so far, .stopped says why) when raftlab's own files change under it (unsandboxed only)
    RunSpec(test, seed, copy=0, impl=None, tag="")   impl: this run's own --impl (default: run_many's); tag: a
            label (a grader's submission name) carried to its Record and put in front of its log's name
    Record: test, seed, status ("passed" | "failed" | "timeout" | "crashed" | "unknown" | "nondeterministic"),
            message, virtual_s, real_s, rpcs, bytes, trace_hash, log_path (a failing run's log, else ""), copy, tag,
            exact (the trace replays: not stopped by real time, virtual clock), timeline_path (a failing run's
            timeline page next to its log, tester.timeline, else "")

Workers are plain subprocesses (`python -m tester.worker`) that speak JSON lines. The output folder keeps the logs
of failing runs only (and is removed when empty), plus, for a seed whose two runs took different paths, both runs'
traces; the workers' scratch (`.workers/`) goes at the end. A run past its timeout gets
SIGUSR1 (its worker dumps every thread's stack), then is killed; its stacks and the tail of its output become the
message. Workers run with PYTHONHASHSEED fixed, so code that iterates over sets of strings still replays exactly;
with check_determinism each seed runs a second time under another hash seed, and the two traces are compared
event by event: a seed gives one Record once both runs ended ("nondeterministic" if they differ: the message
shows the first two differing events, with peer names, and the hint).
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from tester.impl import trusted_boot

DRAW_GRACE_S = 5.0   # real seconds for drawing a failing run's timeline (tester.timeline), after its second run


def kill_grace(timeout: float) -> float:
    """A run first gets its own real-time limit (which fails it listing its tasks); the kill comes this much later,
    for runs stuck where no Python code runs (a blocking C call, a dead interpreter)."""
    return min(5.0, max(1.0, timeout / 2))


@dataclass
class RunSpec:
    test: str
    seed: int
    copy: int = 0           # 1 = the determinism check's second run of the same seed
    impl: str | None = None
    tag: str = ""


@dataclass
class Record:
    test: str
    seed: int
    status: str
    message: str = ""
    virtual_s: float = 0.0
    real_s: float = 0.0
    rpcs: int = 0
    bytes: int = 0
    trace_hash: str = ""
    log_path: str = ""
    copy: int = 0
    tag: str = ""
    exact: bool = True
    output: str = field(default="", repr=False)
    timeline_path: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class RunList(list):
    interrupted = False
    stopped = ""   # why the batch stopped early (raftlab's own files changed under it), else ""


def plan_runs(test_names, seed: int, runs: int, check_determinism: bool = False) -> list[RunSpec]:
    copies = (0, 1) if check_determinism else (0,)
    return [RunSpec(name, seed + i, copy) for i in range(runs) for name in test_names for copy in copies]


class _Worker:
    def __init__(self, hash_seed: int, log_dir: Path, index: int):
        env = dict(os.environ, PYTHONHASHSEED=str(hash_seed), PYTHONUNBUFFERED="1")
        self.hash_seed = hash_seed
        self.stderr_path = log_dir / f"worker-{index}-hash{hash_seed}.err"
        self.stderr = open(self.stderr_path, "w+")
        self.proc = subprocess.Popen([sys.executable, "-c", trusted_boot("tester.worker")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        self.spec: RunSpec | None = None
        self.deadline = 0.0
        self.started = 0.0
        self.err_offset = 0

    def start(self, spec: RunSpec, job: dict, timeout: float) -> None:
        # A failing run is run a second time to record its log and draw its timeline (the worker's own limit bounds
        # each run), so the kill comes after two runs' time and the drawing's.
        self.spec, self.started = spec, time.monotonic()
        self.deadline = self.started + 2 * timeout + kill_grace(timeout) + DRAW_GRACE_S
        self.err_offset = os.fstat(self.stderr.fileno()).st_size   # only the worker writes there: where it is now
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def stderr_tail(self, limit: int = 6000) -> str:
        """The end of what this worker wrote since its run began: never the whole file, which may be huge."""
        with open(self.stderr_path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(self.err_offset, size - limit))
            return f.read(limit).decode("utf-8", errors="replace")

    def stop(self, gracefully: bool = False) -> None:
        """Kill the worker; or, between runs, close its input so that it ends by itself and cleans up after
        itself (its student sides' folders), and kill it only if it does not."""
        if self.proc.poll() is None:
            if gracefully:
                try:
                    self.proc.stdin.close()
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
        self.proc.wait()
        self.stderr.close()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _stem(spec: RunSpec) -> str:
    """The file name of a run's log and trace, without suffix: unique within one batch. A tag that _safe would
    change (two tags "x_y" and "x~y" must not share a log) or that is long gets a short hash of itself."""
    tag = ""
    if spec.tag:
        tag = _safe(spec.tag)[:48]
        if tag != spec.tag:
            tag += "-" + hashlib.sha256(spec.tag.encode("utf-8", "surrogateescape")).hexdigest()[:10]
        tag += "-"
    return tag + f"{_safe(spec.test)}-seed{spec.seed}" + (f"-copy{spec.copy}" if spec.copy else "")


def run_many(specs: list[RunSpec], *, workers: int, timeout: float, impl=None, clock: str = "virtual",
             schedule: str = "fifo", output_dir: Path, on_result=None, on_start=None,
             in_process: bool = False) -> RunList:
    from tester.run_one import TesterTampered
    from tester.students.integrity import tester_files_changed, watch_tester_files
    watch_tester_files()   # this process, too, runs raftlab's files after the runs (reports, a grader's scoring)
    made_output_dir = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    work_dir = output_dir / ".workers"
    work_dir.mkdir(exist_ok=True)
    pending = deque(specs)
    idle: list[_Worker] = []
    busy: dict[int, _Worker] = {}
    selector = selectors.DefaultSelector()
    records = RunList()
    pairs: dict[tuple[str, int, str], Record] = {}   # a seed's first finished run, until its twin ends
    paired = any(spec.copy for spec in specs)
    spawned = 0

    def job_for(spec: RunSpec) -> dict:
        stem = _stem(spec)
        return {"test": spec.test, "seed": spec.seed, "impl": spec.impl if spec.impl is not None else impl,
                "clock": clock, "schedule": schedule,
                "timeout": timeout, "in_process": in_process, "log_path": str(output_dir / f"{stem}.log"),
                "timeline_path": str(output_dir / f"{stem}.html"),
                "output_dir": str(output_dir),
                # Traces serve only the determinism check's comparison: a batch without it writes none.
                "trace_path": str(work_dir / f"{stem}.trace") if paired else None}

    def finish(worker: _Worker, record: Record) -> None:
        selector.unregister(worker.proc.stdout)
        del busy[worker.proc.pid]
        record.copy, record.tag = worker.spec.copy, worker.spec.tag
        log = output_dir / f"{_stem(worker.spec)}.log"
        record.log_path = str(log) if not record.passed and log.exists() else ""
        page = log.with_suffix(".html")
        record.timeline_path = str(page) if not record.passed and page.exists() else ""
        worker.spec = None
        if record.status in ("timeout", "crashed"):
            worker.stop()
        else:
            idle.append(worker)
        if paired:
            record = _pair_up(record, pairs, work_dir, output_dir)
        if record is not None:
            records.append(record)
            if on_result:
                on_result(record)
        # Unsandboxed student code can write raftlab's own files, and a worker started after that would run them.
        changed = tester_files_changed()
        if changed:
            raise TesterTampered(f"raftlab's own files changed during the run of {record.test if record else '?'} "
                                 f"({', '.join(changed[:5])}): a submission wrote into the tester's install. The "
                                 f"batch is stopped: reinstall raftlab, and install bubblewrap")

    try:
        while pending or busy:
            while pending and len(busy) < workers:
                spec = pending.popleft()
                worker = next((w for w in idle if w.hash_seed == spec.copy), None)
                if worker is None:
                    worker = _Worker(spec.copy, work_dir, spawned)
                    spawned += 1
                else:
                    idle.remove(worker)
                job = job_for(spec)
                # A log left by an earlier batch (or a run killed before it wrote its own) is not this run's.
                for earlier in (job["log_path"], job["timeline_path"]):
                    Path(earlier).unlink(missing_ok=True)
                worker.start(spec, job, timeout)
                busy[worker.proc.pid] = worker
                selector.register(worker.proc.stdout, selectors.EVENT_READ, worker)
                if on_start:
                    on_start(spec)
            for key, _ in selector.select(timeout=0.2):
                worker = key.data
                line = worker.proc.stdout.readline()
                if line:
                    finish(worker, _record_from_answer(json.loads(line)))
                else:
                    worker.proc.wait()
                    finish(worker, Record(worker.spec.test, worker.spec.seed, "crashed",
                                          f"the worker process died (exit status {worker.proc.returncode}) "
                                          f"during the run:\n{worker.stderr_tail()}"))
            now = time.monotonic()
            for worker in [w for w in busy.values() if now > w.deadline]:
                finish(worker, _kill_for_timeout(worker, timeout))
    except KeyboardInterrupt:
        records.interrupted = True
    except TesterTampered as exc:
        records.stopped = str(exc)
    finally:
        for worker in busy.values():
            worker.stop()
        for worker in idle:
            worker.stop(gracefully=True)
        # Workers' stderr and traces were read where they mattered (into messages); the logs of failing runs stay.
        shutil.rmtree(work_dir, ignore_errors=True)
        if made_output_dir and not any(output_dir.iterdir()):
            output_dir.rmdir()   # nothing failed: no empty folder left behind
    return records


def _kill_for_timeout(worker: _Worker, timeout: float) -> Record:
    if worker.proc.poll() is None:
        worker.proc.send_signal(signal.SIGUSR1)   # faulthandler: every thread's stack to the worker's stderr
        time.sleep(0.5)
    stacks = worker.stderr_tail()
    return Record(worker.spec.test, worker.spec.seed, "timeout",
                  f"killed after {time.monotonic() - worker.started:.1f} s of real time (timeout {timeout:g} s)."
                  f"\nStacks and last output of the worker:\n{stacks}", real_s=time.monotonic() - worker.started)


def _record_from_answer(answer: dict) -> Record:
    message = answer.get("message", "")
    status = "passed" if answer["passed"] else "failed"
    if answer.get("unknown"):
        status = "unknown"
    elif message.startswith("real time limit"):   # the run's own --timeout, reported by the worker itself
        status = "timeout"
    replayed = answer.get("replayed_hash")
    if replayed is not None and replayed != answer["trace_hash"]:
        message += (f"\nnote: running this seed again (to record its log) took a different path (trace "
                    f"{answer['trace_hash'][:12]} vs {replayed[:12]}): the code is not deterministic; see "
                    f"`raftlab test --check-determinism`")
    return Record(answer["test"], answer["seed"], status, message, answer.get("virtual_s", 0.0),
                  answer.get("real_s", 0.0), answer.get("rpcs", 0), answer.get("bytes", 0),
                  answer.get("trace_hash", ""), output=answer.get("output", ""),
                  exact=answer.get("exact", True) and status != "timeout")


DETERMINISM_HINT = ("hint: the second run differed only in its PYTHONHASHSEED. Common causes: iterating over a set "
                    "(or a dict keyed by objects), hash() of a str or bytes, id(), reading the wall clock "
                    "(time.time, datetime.now), threads")


def _pair_up(record: Record, pairs: dict, work_dir: Path, output_dir: Path) -> Record | None:
    """With the determinism check, a seed's result is ready once both of its runs are; then compare traces. Runs
    that agree leave one log at most (the second is the same run) and no trace; runs that differ keep both traces
    in the output folder, and the message names them and the logs they have (a failing run's)."""
    twin = pairs.pop((record.test, record.seed, record.tag), None)
    if twin is None:
        pairs[(record.test, record.seed, record.tag)] = record
        return None
    first, second = (twin, record) if twin.copy == 0 else (record, twin)
    traces = [work_dir / f"{_stem(RunSpec(first.test, first.seed, copy, tag=first.tag))}.trace" for copy in (0, 1)]
    for broken in (first, second):
        if broken.status in ("timeout", "crashed"):
            return broken
    if first.trace_hash == second.trace_hash:
        duplicates = traces + [Path(path) for path in (second.log_path, second.timeline_path) if path]
        for path in duplicates:
            path.unlink(missing_ok=True)
        return first
    kept = []
    for trace in traces:
        if trace.exists():
            kept.append(str(trace.replace(output_dir / trace.name)))
    logs = [log for log in (first.log_path, second.log_path) if log]
    first.status = "nondeterministic"
    first.log_path = first.log_path or second.log_path
    first.message = "\n".join([
        f"two runs of seed {first.seed} took different paths: {_first_difference(*map(Path, kept))}"
        if len(kept) == 2 else f"two runs of seed {first.seed} took different paths (traces unavailable)",
        f"  {DETERMINISM_HINT}",
        *([f"  traces: {', '.join(kept)}"] if kept else []),
        *([f"  logs:   {', '.join(logs)}"] if logs else []),
        first.message]).rstrip()
    return first


def _first_difference(first: Path, second: Path) -> str:
    """Where two traces part, for a person: the event number and both events, each as
    "at 0.529600 s: S2 -> S0 send Raft.request_vote". Trace lines are labrpc's "<microseconds> <event tuple>",
    with the calling peer after a tab when the worker wrote it: an end's destination comes from its "send"
    events; without a caller an event reads "at 0.529600 s: send Raft.request_vote (to S0)"."""
    ends: dict = {}   # end name -> the server it sends to (the same in both runs: one seed draws the same names)
    try:
        with open(first, errors="replace") as a, open(second, errors="replace") as b:
            for number, (left, right) in enumerate(itertools.zip_longest(a, b), start=1):
                if left is None or right is None:
                    return (f"the {'second' if left is None else 'first'} run went on after event {number - 1}, "
                            f"where the other stopped; its next event:\n  {_describe(left or right, ends)}")
                if left != right:
                    return (f"they part at event {number}:\n  first run:  {_describe(left, ends)}\n"
                            f"  second run: {_describe(right, ends)}")
                _learn_end(left, ends)
    except OSError as exc:
        return f"(traces unavailable: {exc})"
    return "(their trace files are the same event for event, yet their hashes differ)"


def _parse(line: str):
    """A trace line as (seconds, event tuple, caller), or None if it is not one."""
    text, _, caller = line.rstrip("\n").partition("\t")
    micros, _, event = text.partition(" ")
    try:
        at, event = int(micros) / 1e6, ast.literal_eval(event)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not (isinstance(event, tuple) and len(event) >= 2 and isinstance(event[1], str)):
        return None
    return at, event, caller


def _learn_end(line: str, ends: dict) -> None:
    """Note where an end sends, from a "send" event (the only kind that names the server)."""
    if "('send', " in line:
        parsed = _parse(line)
        if parsed and parsed[1][0] == "send" and len(parsed[1]) == 4:
            ends[parsed[1][1]] = parsed[1][3]


def _describe(line: str, ends: dict) -> str:
    """One trace line for a person (see _first_difference); the line itself if it is not a trace event."""
    parsed = _parse(line)
    if parsed is None:
        return line.rstrip("\n")
    at, (kind, end, *rest), caller = parsed
    if kind == "send" and len(rest) == 2:
        ends[end] = rest.pop()   # the server: shown as the destination
    server = ends.get(end)
    to = f"S{server}" if isinstance(server, int) else str(server) if server is not None else "?"
    what = " ".join(map(str, [kind, *rest]))
    return f"at {at:.6f} s: {caller} -> {to} {what}" if caller else f"at {at:.6f} s: {what} (to {to})"
