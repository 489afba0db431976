"""A grading rubric: which tests are worth how many points, on which seeds, scored by which rule.

    load_rubric(path) -> Rubric         reads TOML (tomllib); RubricError naming the file and line of any mistake
    parse_rubric(text, path="rubric.toml") -> Rubric
    Rubric(title, items, timeout, unknown, text, path)
        .planned() -> [(test, seed, hidden)]   every run the rubric asks for, each once, in rubric order
        .digest                                 sha256 hex of the rubric's text (a results database keeps it)
    Item(name, tests, points, rule, threshold, seeds, hidden_seeds, line)
    example_rubric(which) -> str        a commented example: which is "lab2", "lab3" or "both"
    RubricError                         ValueError whose message starts with "FILE:LINE: " ("FILE: " when no
                                        line applies: a file that cannot be read)

The format (every key but `[[item]]`'s name, tests and points is optional):

    title = "6.5840 lab 2"
    timeout = 300            # real seconds a run may take before it counts as a timeout
    unknown = "fail"         # an UNKNOWN linearizability verdict counts as "fail" or "pass"
    seeds = [1, 2, 3]        # every test runs on these, for every student: fair, and any result replays
    hidden_seeds = [7001]    # run and scored too; kept out of what students see until grades are published
    [[item]]
    name = "2A: leader election"
    tests = ["2A"]           # parts, labs or Go test names, as `raftlab test` takes them
    points = 10
    rule = "all"             # "all": one failed run loses the item (6.824's habit); "proportional": points times
                             # the pass rate; "threshold": full points when the pass rate >= threshold, else 0
    threshold = 0.9          # with rule = "threshold"
    seeds = [1, 2]           # this item's own seeds instead of the rubric's (hidden_seeds likewise)

An item's runs are every (test, seed) of its tests and seeds; a test in two items runs once and counts in both.
"""

from __future__ import annotations

import hashlib
import math
import re
try:
    import tomllib
except ImportError:   # Python 3.10: the same parser, from PyPI
    import tomli as tomllib
from dataclasses import dataclass
from pathlib import Path

RULES = ("all", "proportional", "threshold")
RESERVED_NAMES = ("student", "total", "max_total", "problem", "integrity_findings", "missing_runs")
MAX_SEED = 2 ** 63 - 1     # what SQLite stores as an integer
UNKNOWN_AS = ("fail", "pass")
DEFAULT_SEEDS = (1, 2, 3)
DEFAULT_TIMEOUT_S = 300.0


class RubricError(ValueError):
    """A rubric that cannot be used; the message starts with "FILE:LINE: " and says what to write instead."""


@dataclass(frozen=True)
class Item:
    """One gradebook column. tests: Go test names (selectors expanded); seeds, hidden_seeds: tuples of ints;
    threshold: a pass rate in [0, 1], used by rule "threshold"; line: where the item starts in the file."""
    name: str
    tests: tuple[str, ...]
    points: float
    rule: str
    threshold: float
    seeds: tuple[int, ...]
    hidden_seeds: tuple[int, ...]
    line: int

    def runs(self) -> list[tuple[str, int, bool]]:
        """(test, seed, hidden) for every run of this item."""
        return ([(test, seed, False) for test in self.tests for seed in self.seeds]
                + [(test, seed, True) for test in self.tests for seed in self.hidden_seeds])


@dataclass(frozen=True)
class Rubric:
    """A whole rubric. timeout: real seconds per run; unknown: "fail" or "pass"; text: the TOML as read."""
    title: str
    items: tuple[Item, ...]
    timeout: float
    unknown: str
    text: str
    path: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def planned(self) -> list[tuple[str, int, bool]]:
        """Every run this rubric asks for, once: a (test, seed) in two items runs once. A seed that is hidden in
        one item and visible in another counts as visible (its details are shown anyway)."""
        runs: dict[tuple[str, int], bool] = {}
        for item in self.items:
            for test, seed, hidden in item.runs():
                runs[(test, seed)] = runs.get((test, seed), True) and hidden
        return [(test, seed, hidden) for (test, seed), hidden in runs.items()]


def load_rubric(path) -> Rubric:
    """Read and check a rubric file. Raises RubricError (file, line, what is wrong) for any mistake, including a
    file that cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RubricError(f"{path}: cannot read the rubric: {reason}") from None
    return parse_rubric(text, str(path))


def parse_rubric(text: str, path: str = "rubric.toml") -> Rubric:
    """Check a rubric's TOML text; see the module docstring for the format. Raises RubricError."""
    from tester import registry
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise RubricError(f"{path}:{line.group(1) if line else 0}: not valid TOML: {exc}") from None
    lines = _Lines(text, path)
    known_top = {"title", "timeout", "unknown", "seeds", "hidden_seeds", "item"}
    for key in data:
        if key not in known_top:
            lines.fail(f"unknown key {key!r}; a rubric has {', '.join(sorted(known_top))}", key=key)
    timeout = _number(data.get("timeout", DEFAULT_TIMEOUT_S), "timeout", lines, low=1)
    unknown = data.get("unknown", "fail")
    if unknown not in UNKNOWN_AS:
        lines.fail(f"unknown = {unknown!r}: write \"fail\" or \"pass\" (what an UNKNOWN linearizability verdict "
                   f"counts as)", key="unknown")
    seeds = _seeds(data.get("seeds", list(DEFAULT_SEEDS)), "seeds", lines)
    hidden = _seeds(data.get("hidden_seeds", []), "hidden_seeds", lines)
    raw_items = data.get("item")
    if not isinstance(raw_items, list) or not raw_items:
        lines.fail("no [[item]]: a rubric needs at least one item with name, tests and points",
                   line=max(1, len(lines.lines)))
    items, names = [], set()
    for index, raw in enumerate(raw_items):
        at = lines.item(index)
        if not isinstance(raw, dict):
            lines.fail("an item must be a table: write [[item]] then its keys", line=at)
        for key in raw:
            if key not in ("name", "tests", "points", "rule", "threshold", "seeds", "hidden_seeds"):
                lines.fail(f"unknown key {key!r} in an item; an item has name, tests, points, rule, threshold, "
                           f"seeds, hidden_seeds", key=key, after=at)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            lines.fail("an item needs a name (a string: the gradebook's column)", line=at)
        if name.strip().lower() in RESERVED_NAMES:
            lines.fail(f"an item may not be named {name!r}: the gradebook has a column of that name already",
                       key="name", after=at)
        if name in names:
            lines.fail(f"two items are named {name!r}: names are the gradebook's columns", key="name", after=at)
        names.add(name)
        selectors = raw.get("tests")
        if isinstance(selectors, str):
            selectors = [selectors]
        if not isinstance(selectors, list) or not selectors or not all(isinstance(s, str) for s in selectors):
            lines.fail(f"item {name!r}: tests must be a list of parts, labs or test names, e.g. [\"2A\"]",
                       key="tests", after=at)
        try:
            tests = tuple(test.name for test in registry.select(selectors))
        except ValueError as exc:
            lines.fail(f"item {name!r}: {exc}", key="tests", after=at)
        if "points" not in raw:
            lines.fail(f"item {name!r} has no points", line=at)
        points = _number(raw["points"], "points", lines, low=0, after=at)
        rule = raw.get("rule", "all")
        if rule not in RULES:
            lines.fail(f"item {name!r}: rule = {rule!r} is not a rule; write one of {', '.join(map(repr, RULES))}",
                       key="rule", after=at)
        threshold = 1.0
        if rule == "threshold":
            if "threshold" not in raw:
                lines.fail(f"item {name!r}: rule \"threshold\" needs threshold = a pass rate between 0 and 1",
                           key="rule", after=at)
            threshold = _number(raw["threshold"], "threshold", lines, low=0, high=1, after=at)
        elif "threshold" in raw:
            lines.fail(f"item {name!r}: threshold is used only with rule = \"threshold\" (the rule is {rule!r})",
                       key="threshold", after=at)
        item_seeds = _seeds(raw["seeds"], "seeds", lines, after=at) if "seeds" in raw else seeds
        item_hidden = _seeds(raw["hidden_seeds"], "hidden_seeds", lines, after=at) if "hidden_seeds" in raw else hidden
        both = sorted(set(item_seeds) & set(item_hidden))
        if both:
            # A seed is either shown to students or not: in both lists it would run once and count twice.
            lines.fail(f"item {name!r}: seed(s) {', '.join(map(str, both))} are in both seeds and hidden_seeds; a "
                       f"seed is either visible or hidden",
                       key="seeds" if "seeds" in raw and "hidden_seeds" not in raw else "hidden_seeds",
                       after=at if ("hidden_seeds" in raw or "seeds" in raw) else 0)
        if not item_seeds and not item_hidden:
            lines.fail(f"item {name!r} has no seeds to run", key="seeds", after=at)
        items.append(Item(name, tests, float(points), rule, float(threshold), item_seeds, item_hidden, at))
    title = data.get("title", Path(path).stem)
    if not isinstance(title, str):
        lines.fail("title must be a string", key="title")
    return Rubric(title, tuple(items), float(timeout), unknown, text, path)


class _Lines:
    """Finds the line a key sits on, so that every message can name it (tomllib keeps no positions)."""

    def __init__(self, text: str, path: str):
        self.lines, self.path = text.splitlines(), path

    def item(self, index: int) -> int:
        headers = [n for n, line in enumerate(self.lines, 1) if re.match(r"\s*\[\[\s*item\s*\]\]", line)]
        return headers[index] if index < len(headers) else 0

    def find(self, key: str, after: int = 0) -> int:
        """The first line at or after `after` that sets `key` (top-level keys: before the first item)."""
        end = len(self.lines) if after else (self.item(0) or len(self.lines) + 1) - 1
        for n in range(max(after, 1), end + 1):
            if re.match(rf"\s*{re.escape(key)}\s*=", self.lines[n - 1]):
                return n
            if after and n > after and re.match(r"\s*\[", self.lines[n - 1]):
                break   # the next table: the key is not in this item
        return after

    def fail(self, message: str, key: str | None = None, line: int | None = None, after: int = 0):
        if line is None:
            line = self.find(key, after) if key else after
        raise RubricError(f"{self.path}:{line}: {message}")


def _number(value, key: str, lines: _Lines, low: float, high: float | None = None, after: int = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        lines.fail(f"{key} must be a number, not {value!r}", key=key, after=after)
    if value < low or (high is not None and value > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        lines.fail(f"{key} = {value!r}: must be {bound}", key=key, after=after)
    return value


def _seeds(value, key: str, lines: _Lines, after: int = 0) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in value):
        lines.fail(f"{key} must be a list of integers, e.g. [1, 2, 3], not {value!r}", key=key, after=after)
    if any(s < 0 or s > MAX_SEED for s in value):
        lines.fail(f"{key}: seeds are integers from 0 to {MAX_SEED}", key=key, after=after)
    if len(set(value)) != len(value):
        lines.fail(f"{key} lists a seed twice", key=key, after=after)
    return tuple(value)


_HEAD = """\
# raftlab grading rubric ({what}). Check it with: raftlab grade --check-rubric THIS_FILE
title = "{title}"
timeout = 300            # real seconds a run may take before it is stopped and counted as a timeout
unknown = "fail"         # what an UNKNOWN linearizability verdict counts as: "fail" or "pass"
seeds = [1, 2, 3]        # every test runs on these seeds, the same for every student: fair, and replayable
hidden_seeds = [7001, 7002]   # run and scored too, but their details stay out of student feedback
"""
_ITEMS = {
    "lab2": [("2A: leader election", "2A", 10, 'rule = "all"               # one failed run loses the item'),
             ("2B: log replication", "2B", 30, 'rule = "all"'),
             ("2C: persistence", "2C", 30, 'rule = "threshold"         # full points when the pass rate >= threshold'
              '\nthreshold = 0.9'),
             ("2D: log compaction", "2D", 30, 'rule = "proportional"      # points times the pass rate')],
    "lab3": [("3A: key/value service without snapshots", "3A", 50, 'rule = "all"'),
             ("3B: key/value service with snapshots", "3B", 50, 'rule = "proportional"')],
}


def example_rubric(which: str) -> str:
    """A commented example rubric for "lab2", "lab3" or "both". Raises ValueError for anything else."""
    labs = {"lab2": ["lab2"], "lab3": ["lab3"], "both": ["lab2", "lab3"]}.get(which)
    if labs is None:
        raise ValueError(f"no example rubric for {which!r}: choose lab2, lab3 or both")
    text = _HEAD.format(what=which, title=f"6.5840 {' and '.join(labs)}")
    for lab in labs:
        for name, part, points, rule in _ITEMS[lab]:
            text += (f"\n[[item]]\nname = \"{name}\"\ntests = [\"{part}\"]    # parts, labs or Go test names "
                     f"(TestBackup2B)\npoints = {points}\n{rule}\n")
    return text
