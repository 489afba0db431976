"""A worker process of the parallel runner: reads one JSON job per line on stdin, runs it, answers one JSON line.

    python -m tester.worker        (started by tester.runner; not meant to be run by hand)

Job:    {"test", "seed", "impl", "clock", "schedule", "timeout", "in_process", "log_path", "trace_path", "output_dir",
         "timeline_path"}
Answer: the RunResult fields as JSON, plus "replayed_hash" when a failing run was run again with logs on (and, with
        a timeline_path, drawn there: tester.timeline).

The worker is trusted: it runs the tester's side of each run; student code runs in a child of its own
(tester.students), which never sees the worker's pipes. The runner kills a worker whose run outlives its timeout
(after asking it, with SIGUSR1, to dump its threads' stacks to stderr), so a hang, an interpreter crash or a memory
blow-up costs that run only. Memory is capped with RLIMIT_AS so a runaway run fails with MemoryError instead of
taking the machine down.
"""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import os
import signal
import sys

MEMORY_LIMIT_BYTES = 6 * 1024 ** 3
LOG_LIMIT_CHARS = 16 * 1024 * 1024   # of student output in one failing run's log: a flood must not fill the disk


class _CappedLog:
    """The log file of a failing run: what the student side prints goes in, up to LOG_LIMIT_CHARS."""

    def __init__(self, file):
        self.file, self.left = file, LOG_LIMIT_CHARS

    def write(self, text: str) -> None:
        if self.left > 0:
            self.file.write(text[:self.left])
            self.left -= len(text)
            if self.left <= 0:
                self.file.write(f"\n[raftlab: log cut at {LOG_LIMIT_CHARS:,} characters of student output]\n")


def _limit_memory() -> None:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):   # not on this platform: the timeout still protects the run
        pass


def _trace_writer(file):
    """Trace lines for the determinism check, each with the peer whose code made the event after a tab (the
    comparison then reads "S2 -> S0 send ..."); the hash is of the events alone, so it is the same either way."""
    from labrpc.sim import current_peer

    def write(line: str) -> None:
        peer = current_peer()
        file.write(f"{line}\t{peer.name if peer else 'tester'}\n")
    return write


def _draw(recorder, job: dict, result, log) -> None:
    """The failing run's timeline at job["timeline_path"]. A page that cannot be drawn costs the page only (the
    run's verdict and log stand): the log says why."""
    from tester.run_one import replay_command
    from tester.timeline.page import write_timeline
    command = replay_command(job["test"], job["seed"], job.get("impl"), job.get("clock", "virtual"),
                             job.get("schedule", "fifo"), job.get("in_process", False),
                             result.trace_hash if result.exact else None)
    try:
        write_timeline(recorder, job["timeline_path"], replay=command)
    except Exception as exc:   # noqa: BLE001 - a bug in drawing must not lose the run's result
        log.write(f"[raftlab: the timeline could not be drawn: {type(exc).__name__}: {exc}]\n")


def run_job(job: dict) -> dict:
    from tester.run_one import run_test
    from tester.timeline import Recorder

    common = dict(seed=job["seed"], impl=job.get("impl"), clock=job.get("clock", "virtual"),
                  schedule=job.get("schedule", "fifo"), quiet=True, real_time_limit=job.get("timeout"),
                  in_process=job.get("in_process", False))
    if job.get("output_dir"):
        os.environ["RAFTLAB_OUTPUT_DIR"] = job["output_dir"]
    trace_file = open(job["trace_path"], "w") if job.get("trace_path") else None
    try:
        on_trace = _trace_writer(trace_file) if trace_file else None
        result = run_test(job["test"], on_trace=on_trace, **common)
    finally:
        if trace_file:
            trace_file.close()
    answer = dataclasses.asdict(result)
    if not result.passed and job.get("log_path"):
        # The run is deterministic, so running it again with logs on gives the failing run's full log.
        recorder = Recorder(job["test"], job["seed"]) if job.get("timeline_path") else None
        with open(job["log_path"], "w", errors="backslashreplace") as log:
            headline = result.message.splitlines()[0] if result.message else ""
            log.write(f"# {job['test']} seed={job['seed']}: {headline}\n")
            again = run_test(job["test"], log_topics=[], sink=_CappedLog(log).write, recorder=recorder, **common)
            log.write(again.output)
            if not again.output.endswith("\n"):   # a text file ends with one: `cat`, `tail` and editors expect it
                log.write("\n")
            if recorder is not None:
                _draw(recorder, job, again, log)
        answer["replayed_hash"] = again.trace_hash
    return answer


def main() -> None:
    from tester.students.integrity import protect_this_process
    protect_this_process()   # the student side (a child) may not reach this worker's pipes through /proc
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the runner's to handle: it stops us cleanly
    _limit_memory()
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)              # stray prints of student code go to the worker's log, not into the protocol
    sys.stdout = sys.stderr
    for line in sys.stdin:
        job = json.loads(line)
        try:
            answer = run_job(job)
        except BaseException as exc:   # a bug of ours, or a tampered install: still answer, so the runner can report it
            answer = {"test": job["test"], "seed": job["seed"], "passed": False,
                      "message": f"worker error: {type(exc).__name__}: {exc}", "virtual_s": 0.0, "real_s": 0.0,
                      "rpcs": 0, "bytes": 0, "trace_hash": "", "output": ""}
        answers.write(json.dumps(answer) + "\n")
        if answer["message"].startswith("worker error: TesterTampered"):
            return   # this install can no longer be trusted: run nothing more


if __name__ == "__main__":
    main()
