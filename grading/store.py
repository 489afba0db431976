"""The grading database (SQLite): every finished run, written as it finishes, so grading resumes after any stop.

    Store(path)                            opens or creates; StoreError if the file is not a raftlab database
    .lock()                                for a grading: StoreError if another grading holds this database
                                           (two graders would re-extract each other's archives mid-run)
    .use_rubric(rubric)                    records the rubric's text (the latest rubric grades; runs are keyed by
                                           test and seed, so a changed rubric reuses the runs it shares)
    .rubric_text() -> str | None
    .note_submission(sub, findings)        records a submission as found now; a submission whose content_hash
                                           changed loses its old runs (it is graded afresh)
    .forget_except(names)                  drops submissions no longer in the class folder from the gradebook
                                           (their runs stay: if the same files come back, they count again)
    .submissions() -> [(Submission, [Finding])]
    .missing(sub, planned, timeout_s) -> [(test, seed, hidden)]   the planned runs of sub with no row yet, or
                                           that timed out under a shorter limit than timeout_s
    .add_run(row, timeout_s)               one run, in its own transaction; never counted twice: a second result of
                                           one (submission, hash, test, seed) is ignored, except that a timeout
                                           is replaced by the result of a rerun under a longer limit
    .runs(name=None) -> [RunRow]           of the submissions' current contents
    .set_similar(pairs, key="") / .similar() -> [(a, b, similarity)]   key: what the pairs were computed from
    .similar_key() -> str                  (the submissions' names and hashes), so an unchanged class is not
                                           compared again on every resume
    .close()

Why one transaction per run: a Ctrl-C, a `kill -9` or a power cut at any moment leaves every finished run in the
file and no half-written one, and the primary key (submission, content_hash, test, seed) makes a resumed run that
raced a finished one a no-op instead of a second count. Only the grading process writes; workers (local or Dask)
send their results back to it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from grading.model import Finding, RunRow, Submission

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    name TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT, content_hash TEXT NOT NULL, problem TEXT NOT NULL,
    findings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    submission TEXT NOT NULL, content_hash TEXT NOT NULL, test TEXT NOT NULL, seed INTEGER NOT NULL,
    hidden INTEGER NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, virtual_s REAL NOT NULL,
    real_s REAL NOT NULL, rpcs INTEGER NOT NULL, log_tail TEXT NOT NULL, timeout_s REAL NOT NULL,
    finished_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (submission, content_hash, test, seed));
CREATE TABLE IF NOT EXISTS similar (a TEXT NOT NULL, b TEXT NOT NULL, similarity REAL NOT NULL);
"""
FORMAT = "raftlab-grades-2"


class StoreError(Exception):
    """The database cannot be used (not a raftlab grading database, unreadable, locked)."""


class Store:
    """A grading database; see the module docstring. Not shared between processes that write."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            # isolation_level=None: we open each transaction ourselves (BEGIN IMMEDIATE), one per run.
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            self.db.execute("PRAGMA journal_mode=WAL")      # a reader (--status) never blocks the grader
            self.db.execute("PRAGMA synchronous=FULL")      # a committed run survives a power cut
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                raise StoreError(f"{self.path} is an SQLite database, but not raftlab's: give another --db")
            self.db.executescript(SCHEMA)
            found = self.db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
            if found is None:
                self.db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
            elif found[0] != FORMAT:
                raise StoreError(f"{self.path} was written by another raftlab version ({found[0]}, this one "
                                 f"reads {FORMAT}): grade into a new --db")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable grading database ({exc})") from None

    def close(self) -> None:
        self.db.close()
        if getattr(self, "_lock", None):
            self._lock.close()

    def lock(self) -> None:
        import fcntl
        self._lock = open(self.path.with_name(self.path.name + ".lock"), "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise StoreError(f"another raftlab grade is using {self.path}: wait for it to end (or stop it), then "
                             f"run this again; --status shows its progress") from None

    def _write(self, sql: str, rows=()) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:   # read-only file or folder, a full disk, a lock held too long
            raise StoreError(f"cannot write {self.path}: {exc}") from None
        try:
            if isinstance(sql, list):
                for statement, args in sql:
                    self.db.execute(statement, args)
            else:
                self.db.execute(sql, rows)
            self.db.execute("COMMIT")
        except BaseException as exc:
            self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreError(f"cannot write {self.path}: {exc}") from None
            raise

    def use_rubric(self, rubric) -> None:
        self._write([("INSERT OR REPLACE INTO meta VALUES ('rubric', ?)", (rubric.text,)),
                     ("INSERT OR REPLACE INTO meta VALUES ('rubric_path', ?)", (rubric.path,))])

    def rubric_text(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='rubric'").fetchone()
        return row[0] if row else None

    def note_submission(self, sub: Submission, findings: list[Finding]) -> None:
        blob = json.dumps([[f.path, f.line, f.what] for f in findings])
        self._write([("DELETE FROM runs WHERE submission = ? AND content_hash != ?", (sub.name, sub.content_hash)),
                     ("INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
                      (sub.name, str(sub.source), str(sub.root) if sub.root else None, sub.content_hash,
                       sub.problem, blob))])

    def forget_except(self, names) -> None:
        names = list(names)
        marks = ", ".join("?" * len(names))
        self._write(f"DELETE FROM submissions WHERE name NOT IN ({marks})", names)

    def submissions(self) -> list[tuple[Submission, list[Finding]]]:
        rows = self.db.execute("SELECT name, source, root, content_hash, problem, findings FROM submissions "
                               "ORDER BY name").fetchall()
        return [(Submission(name, Path(source), Path(root) if root else None, digest, problem),
                 [Finding(*f) for f in json.loads(findings)])
                for name, source, root, digest, problem, findings in rows]

    def missing(self, sub: Submission, planned, timeout_s: float = 0.0) -> list[tuple[str, int, bool]]:
        done = set(self.db.execute("SELECT test, seed FROM runs WHERE submission = ? AND content_hash = ? AND NOT "
                                   "(status = 'timeout' AND timeout_s < ?)",
                                   (sub.name, sub.content_hash, timeout_s)).fetchall())
        return [(test, seed, hidden) for test, seed, hidden in planned if (test, seed) not in done]

    def add_run(self, row: RunRow, timeout_s: float = 0.0) -> None:
        self._write("INSERT INTO runs (submission, content_hash, test, seed, hidden, status, message, virtual_s, "
                    "real_s, rpcs, log_tail, timeout_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET status = excluded.status, message = excluded.message, "
                    "virtual_s = excluded.virtual_s, real_s = excluded.real_s, rpcs = excluded.rpcs, "
                    "log_tail = excluded.log_tail, timeout_s = excluded.timeout_s, finished_at = datetime('now') "
                    "WHERE runs.status = 'timeout' AND runs.timeout_s < excluded.timeout_s",
                    (row.submission, row.content_hash, row.test, row.seed, int(row.hidden), row.status,
                     row.message, row.virtual_s, row.real_s, row.rpcs, row.log_tail, timeout_s))

    def runs(self, name: str | None = None) -> list[RunRow]:
        where = "WHERE r.submission = ?" if name else ""
        rows = self.db.execute(
            "SELECT r.submission, r.content_hash, r.test, r.seed, r.hidden, r.status, r.message, r.virtual_s, "
            "r.real_s, r.rpcs, r.log_tail FROM runs r JOIN submissions s ON s.name = r.submission AND "
            f"s.content_hash = r.content_hash {where} ORDER BY r.submission, r.test, r.seed",
            (name,) if name else ()).fetchall()
        return [RunRow(*row[:4], bool(row[4]), *row[5:]) for row in rows]

    def set_similar(self, pairs, key: str = "") -> None:
        self._write([("DELETE FROM similar", ()), ("INSERT OR REPLACE INTO meta VALUES ('similar_key', ?)", (key,))]
                    + [("INSERT INTO similar VALUES (?, ?, ?)", tuple(p)) for p in pairs])

    def similar_key(self) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key='similar_key'").fetchone()
        return row[0] if row else ""

    def similar(self) -> list[tuple[str, str, float]]:
        return [tuple(r) for r in self.db.execute("SELECT a, b, similarity FROM similar ORDER BY similarity DESC")]
