"""The codec (our labgob): deep copies of data, precise errors for what is not data, safe decoding."""

import asyncio
import enum
import pickle
import threading
from collections import namedtuple
from dataclasses import dataclass, field

import pytest

import labrpc
from labrpc import DecodeError, EncodeError, decode, encode


@dataclass
class Entry:
    term: int
    command: object


@dataclass
class AppendEntriesArgs:
    term: int
    entries: list = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Frozen:
    a: int
    b: tuple


class Color(enum.Enum):
    RED = 1


Point = namedtuple("Point", "x y")


class Plain:
    def __init__(self):
        self.items = {"k": [1, 2]}
        self._private = "kept"


@pytest.mark.parametrize("value", [
    None, True, 0, -(2 ** 70), 1.5, 2 + 3j, "héllo", b"\x00\xff", bytearray(b"ab"), [1, [2, [3]]], (1, "a"),
    {"a": {1: None}}, {1, 2}, frozenset({"x"}), range(3, 9, 2), Color.RED, Point(1, 2),
    Frozen(1, (2, 3)), AppendEntriesArgs(3, [Entry(1, "x"), Entry(2, {"op": "put"})]),
])
def test_round_trip_is_an_equal_deep_copy(value):
    copy = decode(encode(value))
    assert copy == value and type(copy) is type(value)
    if isinstance(value, (list, dict, AppendEntriesArgs)):
        assert copy is not value


def test_no_reference_is_shared_with_the_original():
    inner = [1, 2]
    args = AppendEntriesArgs(1, [Entry(1, inner)])
    copy = decode(encode(args))
    inner.append(3)
    assert copy.entries[0].command == [1, 2]


def test_plain_objects_keep_every_attribute_even_private_ones():
    copy = decode(encode(Plain()))
    assert copy.items == {"k": [1, 2]} and copy._private == "kept"


async def _coro():
    pass


@pytest.mark.parametrize("bad, expected", [
    (lambda: AppendEntriesArgs(1, [Entry(1, 1), Entry(1, 2), Entry(1, 3), Entry(2, _coro())]),
     "AppendEntriesArgs.entries[3].command: cannot encode a coroutine"),
    (lambda: {"f": len}, "dict['f']: cannot encode a builtin_function_or_method"),
    (lambda: [lambda x: x], "list[0]: cannot encode a function"),
    (lambda: Entry(1, threading.Lock()), "Entry.command: cannot encode a lock"),
    (lambda: Entry(1, asyncio.Lock()), "Entry.command: cannot encode a Lock (asyncio.locks)"),
    (lambda: Entry(1, open(__file__)), "Entry.command: cannot encode a TextIOWrapper"),
    (lambda: Entry(1, Entry), "Entry.command: cannot encode the class Entry itself"),
])
@pytest.mark.filterwarnings("ignore:coroutine")
def test_what_is_not_data_is_named_with_its_field_path(bad, expected):
    value = bad()
    with pytest.raises(EncodeError) as info:
        encode(value)
    assert str(info.value).startswith(expected), str(info.value)


def test_runtime_objects_of_the_simulation_are_refused():
    async def body():
        net = labrpc.Network()
        end = net.make_end("e")
        future = asyncio.get_running_loop().create_future()
        task = asyncio.ensure_future(asyncio.sleep(0))
        for value, name in ((net, "Network"), (Entry(0, [end]), "ClientEnd"), (future, "Future"),
                            (task, "_SimTask"), (asyncio.Queue(), "Queue")):
            with pytest.raises(EncodeError, match=f"cannot encode a {name}"):
                encode(value)
        await task
    labrpc.run(body, seed=1)


def test_a_raft_like_object_is_refused_at_its_first_runtime_field():
    class Raft:
        def __init__(self, peers):
            self.current_term = 3
            self.peers = peers

    async def body():
        net = labrpc.Network()
        with pytest.raises(EncodeError, match=r"dict\['rf'\].peers\[0\]: cannot encode a ClientEnd"):
            encode({"rf": Raft([net.make_end("a")])})
    labrpc.run(body, seed=1)


def test_decoding_refuses_anything_but_data():
    class Evil:
        def __reduce__(self):
            import os
            return os.system, ("echo pwned",)
    with pytest.raises(EncodeError, match="customises pickling"):
        encode(Evil())
    with pytest.raises(DecodeError, match="refusing to load posix.system"):
        decode(pickle.dumps(Evil()))
    with pytest.raises(DecodeError, match="refusing to load builtins.eval"):
        decode(pickle.dumps(eval))
    with pytest.raises(DecodeError, match="cannot decode 3 bytes"):
        decode(b"\x80\x05N")
    with pytest.raises(DecodeError, match="needs bytes"):
        decode("text")


def test_decoding_never_calls_init_or_setstate():
    calls = []

    class Watched:
        def __init__(self):
            calls.append("init")
            self.x = 1
    data = encode(Watched())
    calls.clear()
    assert decode(data).x == 1 and calls == []


def test_the_first_object_of_a_class_encodes_like_the_next_ones():
    # Byte counts are part of a run's trace: they may not depend on what this process encoded before.
    @dataclass
    class Fresh:
        a: int

    first = encode(Fresh(1))
    assert encode(Fresh(1)) == first and decode(first) == Fresh(1)


def test_decoding_never_calls_setstate_either():
    # Plain objects are rebuilt by pickle's BUILD, which would call a __setstate__: a class with one takes the other
    # path, which sets the attributes itself.
    calls = []

    class Custom:
        def __init__(self):
            self.x = 1

        def __setstate__(self, state):
            calls.append("setstate")

    data = encode(Custom())
    assert decode(data).x == 1 and calls == []


def test_a_class_defined_again_under_its_old_name_decodes_as_the_class_encoded():
    """In-process, a student's package loaded in place of the reference defines classes of the same module and name.
    Each value must decode as the class it was encoded from, whichever was planned first: a reference KV server that
    got back the other package's Op compared its own op unequal forever (a run that passed alone hung in a suite)."""
    def make_op():
        @dataclass
        class Op:
            key: str
        Op.__module__, Op.__qualname__ = "kvraft.common", "Op"
        return Op
    first, second = make_op(), make_op()
    assert type(decode(encode(first("a")))) is first
    assert type(decode(encode(second("b")))) is second
    again = decode(encode(first("c")))
    assert type(again) is first and again == first("c")
