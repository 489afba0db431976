"""What a student reads when something is wrong: results of the wrong type are named with the value returned (in both
modes), Go's terse messages get what the tester saw under their first line, and tracebacks show the student's own
frames only."""

import asyncio
import re
from types import SimpleNamespace

import pytest

import labrpc
from labrpc import ApplyMsg
from labrpc.codec import EncodeError
from tester.impl import Impl
from tester.lab3_helpers import difference
from tester.raft_config import make_config
from tester.registry import LabTest
from tester.run_one import run_test

BOTH_MODES = pytest.mark.parametrize("in_process", [False, True], ids=["isolated", "in-process"])

# A submission on disk (so that it can run in a process of its own): S0 leads in term 1 and applies what it starts
# as it is told to; GET_STATE, START and APPLY are the lines under test.
SUBMISSION = '''
import asyncio
from labrpc import ApplyMsg


class Raft:
    def __init__(self, peers, me, persister, apply_ch):
        self.peers, self.me, self.apply_ch, self.count = peers, me, apply_ch, 0
        if me == 0 and ASK:
            asyncio.get_running_loop().create_task(self.ask())

    async def ask(self):
        await asyncio.sleep(0.5)
        await self.peers[1].call("Raft.request_vote", 7)

    def request_vote(self, args):
        return look_up(args)

    def get_state(self):
        return GET_STATE

    def start(self, command):
        if self.me != 0:
            return -1, 1, False
        self.count += 1
        asyncio.get_running_loop().create_task(self.apply_ch.put(APPLY))
        return START

    def snapshot(self, index, snapshot):
        pass

    def kill(self):
        pass


def look_up(key):
    return {}[key]


def spin():
    while True:
        pass


def make(peers, me, persister, apply_ch):
    return Raft(peers, me, persister, apply_ch)
'''


def submission(tmp_path, get_state="1, self.me == 0", start="self.count, 1, True",
               apply="ApplyMsg(True, command, self.count)", ask=False) -> str:
    source = (SUBMISSION.replace("GET_STATE", get_state).replace("START", start).replace("APPLY", apply)
              .replace("ASK", str(ask)))
    folder = tmp_path / "lab"
    (folder / "raft").mkdir(parents=True)
    (folder / "raft" / "__init__.py").write_text(source)
    return str(folder)


def run_submission(tmp_path, test, in_process, **lines):
    return run_test(test, seed=1, impl=submission(tmp_path, **lines), quiet=True, in_process=in_process)


# --- item 6: the types the API promises ---------------------------------------------------------------------------

@BOTH_MODES
@pytest.mark.parametrize("returned, shown, problem", [
    ('1, "True"', "(1, 'True')", "is_leader is the str 'True'"),
    ("[1, self.me == 0]", "[1, True]", "it is of type list"),
    ("True, self.me == 0", "(True, True)", "term is the bool True"),   # a bool is an int in Python, not in Go
    ("(1,)", "(1,)", "it has 1 item"),
])
def test_get_state_of_the_wrong_type_fails_naming_peer_call_and_value(tmp_path, in_process, returned, shown,
                                                                      problem):
    result = run_submission(tmp_path, "TestInitialElection2A", in_process, get_state=returned)
    assert re.fullmatch(r"S0 at 0\.\d{3} s: (.*)", result.message).group(1) == (
        f"Raft.get_state() returned {shown}; it must return (term, is_leader), a tuple of (int, bool), but {problem}")


@BOTH_MODES
def test_start_of_the_wrong_type_fails_naming_the_field(tmp_path, in_process):
    result = run_submission(tmp_path, "TestBasicAgree2B", in_process, start='str(self.count), 1, "yes"')
    assert re.fullmatch(r"S0 at \d+\.\d{3} s: (.*)", result.message).group(1) == (
        "Raft.start() returned ('1', 1, 'yes'); it must return (index, term, is_leader), a tuple of (int, int, bool), "
        "but index is the str '1', is_leader is the str 'yes'")


@BOTH_MODES
@pytest.mark.parametrize("apply, problem", [
    ("ApplyMsg(True, command, str(self.count))", "command_index is the str '1'"),
    ("ApplyMsg(1, command, self.count)", "command_valid is the int 1"),
    ("ApplyMsg(True, command, True)", "command_index is the bool True"),
])
def test_an_apply_msg_with_fields_of_the_wrong_type_fails_naming_the_field(tmp_path, in_process, apply, problem):
    result = run_submission(tmp_path, "TestBasicAgree2B", in_process, apply=apply)
    assert re.match(r"S0 at \d+\.\d{3} s: apply_ch received ApplyMsg\(.*, but " + re.escape(problem) + "; an ApplyMsg "
                    r"holds command_valid: bool, command_index: int", result.message), result.message


def test_a_snapshot_apply_msg_must_hold_bytes():
    def make(peers, me, persister, apply_ch):
        async def send():
            await apply_ch.put(ApplyMsg(snapshot_valid=True, snapshot="log", snapshot_term=1, snapshot_index=1))
        asyncio.get_running_loop().create_task(send())
        return SimpleNamespace(get_state=lambda: (1, me == 0), kill=lambda: None)
    impl = Impl("snapshot-str", modules={"raft": SimpleNamespace(make=make)})
    result = run_test("TestSnapshotBasic2D", seed=1, impl=impl, quiet=True)
    assert "but snapshot is the str 'log'" in result.message, result.message


# --- item 9: Go's first line, then what the tester saw --------------------------------------------------------------

def in_memory_raft(state, applies) -> Impl:
    """A Raft in memory: get_state() is state(me); start() on a leader appends to one shared log, applied at once by
    every peer for which applies(me) is true."""
    log = []

    def make(peers, me, persister, apply_ch):
        def start(command):
            term, leader = state(me)
            if leader:
                log.append(command)
                for queue, peer in channels:
                    if applies(peer):
                        queue.put_nowait(ApplyMsg(True, command, len(log)))
            return len(log), term, leader
        channels.append((apply_ch, me))
        return SimpleNamespace(get_state=lambda: state(me), start=start, kill=lambda: None)
    channels = []
    return Impl("in-memory", modules={"raft": SimpleNamespace(make=make)})


def test_one_says_how_many_servers_applied_the_index_and_what_each_holds():
    impl = in_memory_raft(lambda me: (1, me == 0), applies=lambda me: me != 2)
    message = run_test("TestBasicAgree2B", seed=1, impl=impl, quiet=True).message
    lines = message.splitlines()
    assert lines[0] == "one(100) failed to reach agreement"
    assert re.fullmatch(r"  the last start\(\) to accept it: S0 at 0\.\d{3} s, index 1, term 1; index 1 applied by "
                        r"2 server\(s\), 3 wanted:", lines[1]), message
    assert lines[2:] == ["  S0: 100", "  S1: 100", "  S2: nothing at index 1 (applied nothing yet)"]


def test_one_says_when_no_server_accepted_the_command():
    impl = in_memory_raft(lambda me: (1, False), applies=lambda me: True)
    message = run_test("TestBasicAgree2B", seed=1, impl=impl, quiet=True).message
    assert message.splitlines() == [
        "one(100) failed to reach agreement",
        "  no start() accepted it: each returned is_leader=False (connected servers: S0, S1, S2)"]


def test_wait_says_what_each_server_applied():
    async def body(t):
        cfg = await make_config(t, 3, False, False)
        cfg.disconnect(2)
        await cfg.wait(1, 3, -1)
    impl = in_memory_raft(lambda me: (1, False), applies=lambda me: True)
    message = run_test(LabTest("TestWait2B", "2B", "Test (wait)", body), seed=1, impl=impl, quiet=True).message
    assert message.splitlines() == ["only 0 decided for index 1; wanted 3",
                                    "  S0: nothing at index 1 (applied nothing yet)",
                                    "  S1: nothing at index 1 (applied nothing yet)",
                                    "  S2: nothing at index 1 (applied nothing yet; disconnected)"]


class LocalClerk:
    """Keeps the values itself (no servers) and loses its third append: the generic test's Get must catch it."""

    def __init__(self, ends):
        self.data, self.appends = {}, 0

    async def get(self, key):
        await asyncio.sleep(0.01)
        return self.data.get(key, "")

    async def put(self, key, value):
        await asyncio.sleep(0.01)
        self.data[key] = value

    async def append(self, key, value):
        await asyncio.sleep(0.01)
        self.appends += 1
        if self.appends != 3:
            self.data[key] = self.data.get(key, "") + value


def test_get_wrong_value_says_where_the_values_part():
    raft = SimpleNamespace(get_state=lambda: (1, True), kill=lambda: None)
    kvraft = SimpleNamespace(start_kv_server=lambda *args: SimpleNamespace(rf=raft, kill=lambda: None),
                             make_clerk=LocalClerk)
    message = run_test("TestBasic3A", seed=1, impl=Impl("local-clerk", modules={"kvraft": kvraft}),
                       quiet=True).message
    lines = message.splitlines()
    assert lines[0] == "get wrong value, key 0, wanted:"   # Go's message, whole, comes first
    assert re.fullmatch(r"  (first difference at element 2 \(counting from 0\), after 'x 0 1 y': wanted 'x 0 2 y', "
                        r"got 'x 0 3 y'|got stops after 2 elements; wanted goes on with 1 more, starting with "
                        r"'x 0 2 y')", lines[-2]), message
    assert re.fullmatch(r"  wanted: \d+ elements \(\d+ chars\); got: \d+ elements \(\d+ chars\)", lines[-1]), message


@pytest.mark.parametrize("wanted, got, where", [
    ("x 1 0 yx 1 1 yx 1 2 y", "x 1 0 yx 1 2 y",
     "first difference at element 1 (counting from 0), after 'x 1 0 y': wanted 'x 1 1 y', got 'x 1 2 y'"),
    ("x 1 0 y", "x 1 0 yx 1 1 yx 1 2 y", "got has the 1 element wanted, then 2 more, starting with 'x 1 1 y'"),
    ("x 1 0 yx 1 1 y", "", "got is empty; wanted starts with 'x 1 0 y'"),
    ("hello world", "hello there", "first difference at character 6 (counting from 0): wanted 'world', got 'there'"),
])
def test_difference_names_the_first_element_or_character_that_differs(wanted, got, where):
    assert difference(wanted, got).splitlines()[0] == f"  {where}"


# --- item 10: the student's frames, and nothing else --------------------------------------------------------------

def assert_only_student_frames(message: str, folder: str) -> None:
    frames = re.findall(r'File "([^"]+)"', message)
    assert frames and all(frame.startswith(folder) for frame in frames), message
    assert "Traceback" not in message and "\n\n" not in message and not message.endswith("\n"), message


@BOTH_MODES
def test_a_handler_traceback_shows_the_students_frames_only(tmp_path, in_process):
    result = run_submission(tmp_path, "TestInitialElection2A", in_process, ask=True)
    assert result.message.startswith("S1 at 0.505 s: handler Raft.request_vote raised KeyError: 7\n"), result.message
    assert_only_student_frames(result.message, str(tmp_path))
    assert "in request_vote" in result.message and "in look_up" in result.message


def test_a_busy_loop_shows_the_students_frames_only(tmp_path, monkeypatch):
    monkeypatch.setattr("tester.students.isolated.BUSY_LIMIT_S", 1.0)
    result = run_submission(tmp_path, "TestBasicAgree2B", False, start="spin()")
    where = result.message.split("Where it was:\n", 1)[1].split("\n(it printed nothing)")[0]
    source = tmp_path / "lab" / "raft" / "__init__.py"
    assert where.startswith(f"  student code at {source}, line "), result.message
    assert where.splitlines()[0].endswith(", in spin: while True:"), result.message
    assert_only_student_frames(where, str(tmp_path))
    assert "in start" in where


@pytest.mark.parametrize("value, name", [(object(), "object"), (..., "ellipsis"), (iter([1]), "list_iterator")])
def test_encode_errors_name_the_type_in_plain_english(value, name):
    with pytest.raises(EncodeError) as info:
        labrpc.encode({"x": value})
    assert str(info.value).startswith(f"dict['x']: cannot encode an object of type {name}: "), str(info.value)
    assert "customises pickling" not in str(info.value)
