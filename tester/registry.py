"""The lab tests, by name, in Go's order.

    @lab_test(part, title, name=None, sections=())   register `async def test_x_2A(t)` as a lab test; the Go name is
                                        derived from the function name (test_re_election_2A -> TestReElection2A)
                                        unless given; sections: the titles of any further begin/end sections
                                        (TestOnePartition3A has three)
    LabTest(name, part, title, fn, sections=())   .lab ("lab2", "lab3", or "beyond" for parts 2X and 3X, our own
                                        tests), .package (the student code it runs: "raft" or "kvraft"), .marker (the
                                        part, for pytest -m), .beyond_go
    all_tests() -> list[LabTest]        every registered test, Go's order (imports the TEST_MODULES)
    get(name) -> LabTest                by Go name, in any case (TestBackup2b); KeyError saying "did you mean"
    select(selectors) -> list[LabTest]  selectors: parts ("2A", "3b", "2X"), labs ("lab2": Go's 2A-2D, as 6.824
                                        has it; "beyond": 2X and 3X), "all", test names in any
                                        case, or else part of a name, like Go's -run but not a regular expression
                                        ("backup": every test whose name contains it); the union, in Go's order;
                                        ValueError naming a selector that matches nothing (with "did you mean")
    TEST_MODULES                        the modules that define lab tests (lab 3 adds its own)
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Awaitable, Callable

TEST_MODULES = ["tester.lab2_tests", "tester.lab2_tests_cd", "tester.lab3_tests", "tester.lab2_tests_beyond",
                "tester.lab2_tests_beyond_snap", "tester.lab3_tests_beyond"]
_tests: dict[str, LabTest] = {}


@dataclass(frozen=True)
class LabTest:
    name: str
    part: str
    title: str
    fn: Callable[..., Awaitable]
    sections: tuple[str, ...] = ()

    @property
    def lab(self) -> str:
        return "beyond" if self.beyond_go else f"lab{self.part[0]}"

    @property
    def package(self) -> str:
        """The student package the test runs: "raft" (lab 2, part 2X) or "kvraft" (lab 3, part 3X)."""
        return "raft" if self.part.startswith("2") else "kvraft"

    @property
    def marker(self) -> str:
        return self.part

    @property
    def beyond_go(self) -> bool:
        """Parts 2X and 3X ("beyond the Go tester"): checks of our own, outside the labs as 6.824 grades them."""
        return self.part.endswith("X")


def go_name(function_name: str) -> str:
    words = function_name.split("_")
    if words[0] != "test" or len(words) < 3:
        raise ValueError(f"lab test function {function_name!r} must be named test_<words>_<part>, e.g. "
                         f"test_initial_election_2A")
    return "Test" + "".join(w[:1].upper() + w[1:] for w in words[1:-1]) + words[-1]


def lab_test(part: str, title: str, name: str | None = None, sections: tuple[str, ...] = ()):
    def register(fn):
        test = LabTest(name or go_name(fn.__name__), part, title, fn, tuple(sections))
        if not test.name.endswith(part):
            raise ValueError(f"lab test {test.name} is registered for part {part}: its name must end with {part}")
        if test.name in _tests and _tests[test.name].fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"two lab tests are named {test.name}")
        _tests[test.name] = test
        fn.lab_test = test   # the pytest plugin finds lab tests by this attribute
        return fn
    return register


def all_tests() -> list[LabTest]:
    for module in TEST_MODULES:
        importlib.import_module(module)
    return sorted(_tests.values(), key=lambda t: t.part)   # stable: Go's order within a part is definition order


def get(name: str) -> LabTest:
    key = name.strip().lower()
    for test in all_tests():
        if test.name.lower() == key:
            return test
    raise KeyError(f"no lab test named {name!r}.{_did_you_mean(key)} `raftlab test --list` shows them all")


def select(selectors) -> list[LabTest]:
    tests = all_tests()
    chosen: set[str] = set()
    for selector in selectors:
        chosen.update(_matching(selector, tests))
    return [t for t in tests if t.name in chosen]


def _matching(selector: str, tests: list[LabTest]) -> list[str]:
    """The names one selector stands for. The first kind that matches wins, so that "2B" is the part, not every
    name that contains "2b", and an exact name is never widened to the longer names that contain it."""
    key = selector.strip().lower()
    if not key:   # it would be part of every name
        raise ValueError(f"empty test selector {selector!r}: give a part, a lab, 'all' or (part of) a test name")
    if key == "all":
        return [t.name for t in tests]
    for kind in (lambda t: t.lab, lambda t: t.part.lower(), lambda t: t.name.lower()):
        found = [t.name for t in tests if kind(t) == key]
        if found:
            return found
    found = [t.name for t in tests if key in t.name.lower()]
    if found:
        return found
    # Never an empty selection: the grading rubric relies on this error to refuse a typo ("2Z").
    parts, labs = sorted({t.part for t in tests}), sorted({t.lab for t in tests})
    raise ValueError(f"unknown test selector {selector!r}: no part, lab or test name matches it.{_did_you_mean(key)} "
                     f"Give a part ({', '.join(parts)}), a lab ({', '.join(labs)}), 'all', or (part of) a test name "
                     f"such as {tests[0].name}; `raftlab test --list` shows them all")


def _did_you_mean(key: str) -> str:
    """The names, parts and labs closest to key (lower case) as " Did you mean X or Y?", or "" if none is."""
    tests = all_tests()
    words = {w.lower(): w for t in tests for w in (t.name, t.part, t.lab)}
    close = [words[w] for w in difflib.get_close_matches(key, list(words), n=3)]
    return f" Did you mean {' or '.join(close)}?" if close else ""
