"""The untouched student template fails every lab-2 and lab-3 part quickly and cleanly: the test's own message, no traceback,
well inside the 120 s limit (a student's first run must not hang or crash the tester)."""

import os

import pytest

from tester.run_one import run_test

TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "student_template")


@pytest.mark.parametrize("test, message, virtual_s", [
    ("TestInitialElection2A", "expected one leader, got none", 6),
    ("TestBasicAgree2B", "one(100) failed to reach agreement", 11),
    ("TestPersist12C", "one(11) failed to reach agreement", 11),
    ("TestSnapshotInit2D", "failed to reach agreement", 11),
    ("TestBasic3A", "Clerk.put_append: write the clerk's put_append (3A)", 1),
    ("TestSpeed3A", "Clerk.get: write the clerk's get (3A)", 1),
    ("TestSnapshotRPC3B", "write the clerk's", 1),
])
def test_the_template_fails_each_part_with_the_tests_message(test, message, virtual_s):
    result = run_test(test, seed=1, impl=TEMPLATE, quiet=True)
    assert not result.passed
    assert message in result.message and "Traceback" not in result.output, result.output
    assert result.virtual_s < virtual_s
