"""The lab tests, by name, in Go's order.

    @lab_test(part, title, name=None, sections=())   register `async def test_x_2A(t)` as a lab test; the Go name is
                                        derived from the function name (test_re_election_2A -> TestReElection2A)
                                        unless given; sections: the titles of any further begin/end sections
                                        (TestOnePartition3A has three)
    LabTest(name, part, title, fn, sections=())   .lab ("lab2"), .marker (the part, for pytest -m)
    all_tests() -> list[LabTest]        every registered test, Go's order (imports the TEST_MODULES)
    get(name) -> LabTest                by Go name; KeyError with the known names otherwise
    select(selectors) -> list[LabTest]  selectors: parts ("2A", "3b"), labs ("lab2"), "all", Go test names;
                                        the union, in Go's order; ValueError naming any unknown selector
    TEST_MODULES                        the modules that define lab tests (lab 3 adds its own)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Awaitable, Callable

TEST_MODULES = ["tester.lab2_tests", "tester.lab2_tests_cd", "tester.lab3_tests"]
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
        return f"lab{self.part[0]}"

    @property
    def marker(self) -> str:
        return self.part


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
    tests = {t.name: t for t in all_tests()}
    if name not in tests:
        raise KeyError(f"no lab test named {name!r}; known tests: {', '.join(tests)}")
    return tests[name]


def select(selectors) -> list[LabTest]:
    tests = all_tests()
    parts = {t.part.upper() for t in tests}
    labs = {t.lab for t in tests}
    names = {t.name for t in tests}
    chosen: set[str] = set()
    for selector in selectors:
        key = selector.strip()
        if key.lower() == "all":
            chosen.update(names)
        elif key.lower() in labs:
            chosen.update(t.name for t in tests if t.lab == key.lower())
        elif key.upper() in parts:
            chosen.update(t.name for t in tests if t.part.upper() == key.upper())
        elif key in names:
            chosen.add(key)
        else:
            raise ValueError(f"unknown test selector {selector!r}: give a part ({', '.join(sorted(parts))}), a lab "
                             f"({', '.join(sorted(labs))}), 'all', or a test name such as {tests[0].name}")
    return [t for t in tests if t.name in chosen]
