"""Where runs execute: this machine's cores, or a Dask distributed cluster. `raftlab grade` and `raftlab test
--runs` use the same two.

    open_executor(scheduler=None, workers=None) -> LocalExecutor | DaskExecutor   ExecutorError if unreachable
    executor.run(specs, *, timeout, output_dir, on_result, on_start=None, impl=None, clock="virtual",
                 schedule="fifo", in_process=False) -> tester.runner.RunList
        specs: tester.runner.RunSpec (each may carry its own impl folder); on_result(record) for each run as it
        ends, in the caller's thread; a failing run's log is in record.log_path on this machine either way.
        Ctrl-C stops it: what finished is returned, .interrupted is set.
    executor.describe() -> str          "2 local workers" / "Dask cluster tcp://...: 8 workers"
    executor.close()
    log_tail(path, lines=40) -> str     the end of a run's log, for the grading database

Local runs are tester.runner.run_many: one trusted worker process per run at a time, each run's student code in
a process of its own. On Dask every task does the same on a Dask worker (`run_many` of one spec there), so a hang,
a crash or a flood costs that run only, whatever the cluster. A submission folder travels as a tar.gz scattered
once to the cluster and unpacked into each Dask worker's temporary folder, cached by its hash; the reference needs
nothing (raftlab is installed on every worker). Results come back to the caller, which alone writes any file or
database.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from tester.runner import Record, RunList, RunSpec, run_many

MAX_REMOTE_LOG_BYTES = 1024 * 1024   # of a failing run's log sent back from a Dask worker: its tail


class ExecutorError(Exception):
    """The executor cannot run anything (no such scheduler, Dask not installed)."""


class LocalExecutor:
    """This machine: `workers` trusted worker processes at a time (default: the number of cores)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1

    def describe(self) -> str:
        return f"{self.workers} local worker(s)"

    def run(self, specs: list[RunSpec], *, timeout: float, output_dir: Path, on_result, on_start=None, impl=None,
            clock: str = "virtual", schedule: str = "fifo", in_process: bool = False) -> RunList:
        return run_many(specs, workers=self.workers, timeout=timeout, impl=impl, clock=clock, schedule=schedule,
                        output_dir=output_dir, on_result=on_result, on_start=on_start, in_process=in_process)

    def close(self) -> None:
        pass


class DaskExecutor:
    """An existing Dask distributed cluster, by its scheduler's address (tcp://host:8786). Every Dask worker
    needs raftlab installed (`pip install raftlab[grade]`)."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError("--scheduler needs Dask: pip install 'raftlab[grade]'") from None
        try:
            self.client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}. Start one with `dask "
                                f"scheduler` and workers with `dask worker {address}`") from None
        self.address = address

    def describe(self) -> str:
        workers = self.client.scheduler_info().get("workers", {})
        return f"Dask cluster {self.address}: {len(workers)} worker(s)"

    def run(self, specs: list[RunSpec], *, timeout: float, output_dir: Path, on_result, on_start=None, impl=None,
            clock: str = "virtual", schedule: str = "fifo", in_process: bool = False) -> RunList:
        from distributed import as_completed
        if any(spec.copy for spec in specs):
            raise ExecutorError("the determinism check compares two runs' traces on one machine: run it without "
                                "--scheduler")
        output_dir.mkdir(parents=True, exist_ok=True)
        shipped: dict[str, object] = {}

        def shipped_impl(folder):
            """A folder ships as a scattered tar.gz; a module name or the reference (None) ships as itself."""
            if folder is None or not Path(folder).is_dir():
                return folder
            if folder not in shipped:
                shipped[folder] = self.client.scatter(_pack(Path(folder)), broadcast=False)
            return shipped[folder]

        options = dict(timeout=timeout, clock=clock, schedule=schedule, in_process=in_process)
        futures = {}
        for spec in specs:
            chosen = spec.impl if spec.impl is not None else impl
            future = self.client.submit(run_remote, spec.test, spec.seed, spec.tag, shipped_impl(chosen), options,
                                        pure=False)
            futures[future] = spec
            if on_start:
                on_start(spec)
        records = RunList()
        pending = as_completed(futures)
        try:
            for future in pending:
                spec = futures.pop(future)
                try:
                    answer, log = future.result()
                    record = Record(**answer)
                except Exception as exc:   # the task died with its Dask worker, or could not start there
                    record, log = Record(spec.test, spec.seed, "crashed", f"the Dask task failed: "
                                         f"{type(exc).__name__}: {exc}"), ""
                record.tag = spec.tag
                if log:
                    path = output_dir / f"{Path(answer.get('log_path', 'run.log')).name}"
                    path.write_text(log, errors="backslashreplace")
                    record.log_path = str(path)
                records.append(record)
                on_result(record)
        except KeyboardInterrupt:
            records.interrupted = True
            self.client.cancel(list(futures))
        return records

    def close(self) -> None:
        self.client.close()


def open_executor(scheduler: str | None = None, workers: int | None = None):
    """A DaskExecutor when a scheduler address is given, else a LocalExecutor of `workers` processes."""
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)


def log_tail(path, lines: int = 40) -> str:
    """The last `lines` lines of a log file (at most 16 KiB of it), "" when there is none."""
    if not path:
        return ""
    try:
        text = _read_end(path, 16384)
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _read_end(path, limit: int) -> str:
    """The last `limit` bytes of a file, decoded (never the whole file: a flooding run's log may be huge)."""
    with open(path, "rb") as f:
        f.seek(max(0, f.seek(0, os.SEEK_END) - limit))
        return f.read().decode("utf-8", errors="replace")


def _pack(folder: Path) -> bytes:
    """A submission folder as tar.gz bytes: regular files only, no caches (what the run imports, nothing else)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()


def _unpack(blob: bytes) -> str:
    """On a Dask worker: the folder a packed submission is unpacked into, once per content (cached by hash)."""
    digest = hashlib.sha256(blob).hexdigest()[:24]
    target = Path(tempfile.gettempdir()) / "raftlab-dask" / digest
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{digest}-", dir=target.parent))
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            # _pack wrote only regular files with relative names; the filter re-checks where Python has it.
            tar.extractall(staging, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        try:
            staging.rename(target)   # atomic: a concurrent task unpacking the same blob loses the race harmlessly
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return str(target)


def run_remote(test: str, seed: int, tag: str, impl, options: dict) -> tuple[dict, str]:
    """A Dask task: one run on this Dask worker, through the same trusted worker process as a local run.
    Returns (the Record's fields, the tail of a failing run's log)."""
    if isinstance(impl, bytes):
        impl = _unpack(impl)
    with tempfile.TemporaryDirectory(prefix="raftlab-task-") as out:
        records = run_many([RunSpec(test, seed, tag=tag)], workers=1, output_dir=Path(out), impl=impl, **options)
        if not records:
            raise RuntimeError("the run did not finish (interrupted on the Dask worker)")
        record = records[0]
        log = _read_end(record.log_path, MAX_REMOTE_LOG_BYTES) if record.log_path else ""
        return dict(vars(record)), log
