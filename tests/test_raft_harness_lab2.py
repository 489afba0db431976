"""The 28 lab-2 tests against the reference Raft (one seed each), and replay: same seed, same run."""

import pytest

from tester import registry
from tester.run_one import run_test

SLOW = {"TestFigure8Unreliable2C", "TestReliableChurn2C", "TestUnreliableChurn2C"}   # seconds of real time each


def test_the_registry_holds_the_28_tests_of_2023_in_go_order():
    names = [t.name for t in registry.all_tests() if t.lab == "lab2"]
    assert names == [
        "TestInitialElection2A", "TestReElection2A", "TestManyElections2A",
        "TestBasicAgree2B", "TestRPCBytes2B", "TestFollowerFailure2B", "TestLeaderFailure2B", "TestFailAgree2B",
        "TestFailNoAgree2B", "TestConcurrentStarts2B", "TestRejoin2B", "TestBackup2B", "TestCount2B",
        "TestPersist12C", "TestPersist22C", "TestPersist32C", "TestFigure82C", "TestUnreliableAgree2C",
        "TestFigure8Unreliable2C", "TestReliableChurn2C", "TestUnreliableChurn2C",
        "TestSnapshotBasic2D", "TestSnapshotInstall2D", "TestSnapshotInstallUnreliable2D",
        "TestSnapshotInstallCrash2D", "TestSnapshotInstallUnCrash2D", "TestSnapshotAllCrash2D",
        "TestSnapshotInit2D"]
    assert registry.get("TestFailAgree2B").title == "Test (2B): agreement after follower reconnects"


def test_select_understands_parts_labs_all_and_names():
    assert [t.name for t in registry.select(["2a"])] == ["TestInitialElection2A", "TestReElection2A",
                                                         "TestManyElections2A"]
    assert len(registry.select(["lab2"])) == 28
    assert [t.name for t in registry.select(["all"])][:28] == [t.name for t in registry.select(["lab2"])]
    assert [t.name for t in registry.select(["TestCount2B", "TestInitialElection2A"])] == [
        "TestInitialElection2A", "TestCount2B"]   # Go's order, whatever the order asked
    assert len(registry.select(["2D", "TestSnapshotInit2D"])) == 7
    with pytest.raises(ValueError, match="unknown test selector '2E'"):
        registry.select(["2E"])


@pytest.mark.parametrize("name", [pytest.param(t.name, marks=[pytest.mark.slow] if t.name in SLOW else [])
                                  for t in registry.all_tests() if t.lab == "lab2"])
def test_lab2_passes_against_the_reference(name):
    result = run_test(name, seed=1, quiet=True)
    assert result.passed, result.output
    assert result.virtual_s < 120
    assert f"  ... Passed --" in result.output and "seed=1" in result.output


@pytest.mark.parametrize("name", ["TestBackup2B", "TestSnapshotInstallUnCrash2D"])
def test_same_seed_same_run(name):
    first, again, other = (run_test(name, seed=s, quiet=True) for s in (3, 3, 4))
    assert first.passed and again.passed and other.passed
    assert first.trace_hash == again.trace_hash
    assert (first.virtual_s, first.rpcs, first.bytes) == (again.virtual_s, again.rpcs, again.bytes)
    assert other.trace_hash != first.trace_hash
