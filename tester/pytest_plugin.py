"""pytest plugin `raftlab` (entry point pytest11 in setup.cfg): run the lab tests with plain pytest.

    python -m pytest --pyargs tester -m 2A [--seed N] [--impl DIR|MODULE] [--clock virtual|real]
    python -m pytest --pyargs tester.lab2_tests -k TestBackup2B

Without `pip install -e .` (no entry point), add `-p tester.pytest_plugin`. What it does:
    --impl, --seed (default: random, printed in the header), --clock   options of every lab test run
    --raftlab-timeout S           real seconds one lab test may take (default 300, as raftlab test --timeout)
    --in-process                  student code in the pytest process (debugging; NOT isolated). By default it runs
                                  in a process of its own, so nothing it does (sys.exit, os._exit, a busy loop)
                                  can end or hang the pytest process or change a verdict
    markers: one per part, in either case (2A ... 3B, 2X, 3X: `-m 2B`, `-m "2c or 2d"`), one per lab (lab2, lab3:
    Go's; beyond: 2X and 3X), and `slow` for the framework's own slow tests
    collects `lab*_tests*.py` modules; each lab test (a function registered with @lab_test) becomes one item that
    runs through tester.run_one.run_test, so it gets the same simulation, limits, messages and replay command.
    Its node id is always `tester/<module>.py::<Go name>`, whatever pytest's rootdir (see _node_id).
"""

from __future__ import annotations

import os
import random
import sys

import pytest

from tester import registry
from tester.run_one import run_test
from tester.students.sandbox import sandbox_mode

PARTS = ("2A", "2B", "2C", "2D", "3A", "3B", "2X", "3X")
LABS = {"lab2": "Go's lab 2 (2A-2D)", "lab3": "Go's lab 3 (3A-3B)", "beyond": "our own tests (2X, 3X)"}
DEFAULT_TIMEOUT_S = 300.0   # as raftlab test --timeout


def pytest_addoption(parser):
    group = parser.getgroup("raftlab", "raftlab lab tests")
    group.addoption("--impl", default=None, metavar="DIR|MODULE",
                    help="implementation to test: a directory holding raft/ (and kvraft/), or a dotted module name")
    group.addoption("--seed", type=int, default=None, help="simulation seed of every lab test (default: random)")
    group.addoption("--clock", choices=("virtual", "real"), default="virtual", help="simulated or wall-clock time")
    group.addoption("--raftlab-timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                    help=f"real seconds one lab test may take (default {DEFAULT_TIMEOUT_S:g})")
    group.addoption("--in-process", action="store_true", default=False,
                    help="debugging only, NOT isolated: run student code inside the pytest process")


def pytest_configure(config):
    for part in PARTS:
        config.addinivalue_line("markers", f"{part}: lab test of part {part}")
        config.addinivalue_line("markers", f"{part.lower()}: lab test of part {part}")
    for lab, what in LABS.items():
        config.addinivalue_line("markers", f"{lab}: {what}")
    config.addinivalue_line("markers", "slow: a slow test of the framework itself")
    config.addinivalue_line("python_files", "lab*_tests*.py")
    if config.getoption("seed") is None:
        config.option.seed = random.SystemRandom().randrange(1, 1 << 31)


def pytest_report_header(config):
    where = "this process (--in-process: NOT isolated)" if config.getoption("in_process") else \
        f"a process of its own ({'bwrap sandbox' if sandbox_mode() == 'bwrap' else 'unsandboxed'})"
    return f"raftlab: seed={config.getoption('seed')} impl={config.getoption('impl') or 'reference'} " \
           f"clock={config.getoption('clock')}; student code runs in {where}"


def pytest_pycollect_makeitem(collector, name, obj):
    lab_test = getattr(obj, "lab_test", None)
    if isinstance(lab_test, registry.LabTest) and name == obj.__name__:
        item = LabTestItem.from_parent(collector, name=lab_test.name, lab_test=lab_test,
                                       nodeid=_node_id(str(collector.path), lab_test.name))
        for marker in dict.fromkeys((lab_test.marker, lab_test.marker.lower(), lab_test.lab)):
            item.add_marker(marker)
        return item
    return None


# pytest picks its rootdir, from which node ids are relative, before it knows raftlab's options: in
# `--impl /abs/path` it takes the path for a test path, and the ids became `../main/tester/lab2_tests.py::...` (or
# lost their file). A lab test's id is relative to the folder that holds the tester package instead: the same for
# every --impl, every working directory and an installed raftlab, so --deselect, --lf and CI history keep working.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _node_id(module_path: str, name: str) -> str:
    return f"{os.path.relpath(module_path, _PACKAGE_PARENT).replace(os.sep, '/')}::{name}"


class LabTestFailed(Exception):
    """A lab test failed; the message is the tester's (with the replay command)."""


class LabTestItem(pytest.Item):
    def __init__(self, *, lab_test: registry.LabTest, **kwargs):
        super().__init__(**kwargs)
        self.lab_test = lab_test

    def runtest(self):
        config = self.config
        result = run_test(self.lab_test, seed=config.getoption("seed"), impl=config.getoption("impl"),
                          clock=config.getoption("clock"), quiet=True, in_process=config.getoption("in_process"),
                          sink=sys.stdout.write, real_time_limit=config.getoption("raftlab_timeout"))
        if not result.passed:
            # The message first (pytest's short summary shows the first line), then the test's own lines.
            raise LabTestFailed(f"{result.message.splitlines()[0]}\n\n{result.output}")
        print(result.output)   # the Go lines of a passing test: visible with -s or -rP

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, LabTestFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.lab_test.name} ({self.lab_test.title})"
