"""The one protocol between the trusted side (tester) and the student side (labrpc.host): frames over two pipes.

    send_frame(fd, message)               pickle `message` (plain data only) and write it as one frame
    CommandReader(fd).next() -> message   blocking read of one whole frame (the student side reads commands so)
    FrameReader(fd).feed() -> [message]   non-blocking reassembly of frames (the trusted side reads reports so)
    loads_plain(data, max_items=...) -> value   decode bytes that untrusted code produced: plain data only, no
                                          classes, and at most max_items values counted as a tree (shared parts
                                          count each time they appear: str() or hash() of the value stays cheap)
    frame(message) -> bytes               a whole frame, for writers that must not block (the tester)
    dumps(value) -> bytes                 the matching encoder
    WireError                             a frame that is too large, truncated or not plain data

A frame is a 4-byte big-endian length and a pickle. Everything the student side sends is decoded with
loads_plain, which refuses to load any class or function: what crosses is None, bool, int, float, complex, str,
bytes, tuple, list, dict, set and frozenset, nothing else. RPC arguments and replies cross as opaque bytes (the lab
codec's), so the trusted side counts and carries them without decoding.

Conversation. The trusted side sends a command, the student side answers it with exactly one report:

    command = (kind, now, inputs, body)       now: the shared clock (seconds since the run began)
      inputs, applied first and in order:
        ("reply", call_id, reply_bytes | None)                 an RPC the student side made is over
        ("epoch", token)                                       the network's state changed (see "deliver")
        ("deliver", req_id, server_key, svc_meth, args_bytes, call_id | None, token | None)   run an RPC handler;
                        with a token, its reply may go straight to the caller's call_id if the epoch is unchanged
        ("credit", chan_key)                                   the tester's applier reads the next ApplyMsg
        ("peer", peer_key, name)                               a new peer incarnation
        ("kill", peer_key)                                     that peer incarnation is dead: cancel its tasks
        ("op", op_id, clerk_key, method, args)                 start a clerk operation (Clerk.get/put/append)
      kinds and bodies:
        "advance"  until        run until quiet, up to `until`; stop at the end of the first instant with output
        "load"     (paths, modules, hash seed, seed, clock, schedule, log topics | None)   import the implementation
        "make"     (what, peer_key, keys, end_names, args)   what: raft / kvserver / clerk (Go's Make,
                                            StartKVServer, MakeClerk); keys: the objects' numbers, chosen here
        "invoke"   (obj_key, what, method, args)                           a plain call: get_state, start, ...
        "persisted" (keys,)                 the latest saved (raft_state, snapshot) of these persisters
        "describe" None                     every pending task, for a deadlock message
    report = (status, result, outputs, next_wakeup, now)
        status "ok" (result: the call's result, often lab-codec bytes) or "error" (result: the message)
        outputs, in order: ("saved", persister_key)         saved since the last report (state fetched on read)
                           ("call", call_id, end_name, svc_meth, args_bytes)
                           ("handled", req_id, reply_bytes, handed_over)  handed_over: the caller has it
                           ("apply", chan_key, fields | None, text)    fields: the ApplyMsg's seven, command as
                                                                       lab-codec bytes; None: not an ApplyMsg
                           ("op_done", op_id, "ok" | "error", result_bytes | message)
                           ("fail", message)                            the run cannot go on (a crash, misuse)
        next_wakeup: when the student side next has work of its own (None: only an input can wake it)
"""

from __future__ import annotations

import io
import os
import pickle
import struct

MAX_FRAME_BYTES = 256 * 1024 * 1024
MAX_FRAME_ITEMS = 2_000_000     # values in one report, counted as a tree
MAX_VALUE_ITEMS = 100_000       # values in one result, command or message of the student side
_HEADER = struct.Struct(">I")


class WireError(Exception):
    """A frame that cannot be read: too large, cut short, or holding something that is not plain data."""


def dumps(value) -> bytes:
    return pickle.dumps(value, protocol=5)


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise WireError(f"refusing {module}.{name}: only plain data (no classes) crosses to the tester")


def loads_plain(data: bytes, max_items: int = MAX_VALUE_ITEMS):
    if not isinstance(data, bytes):
        raise WireError(f"expected bytes, not {type(data).__name__}")
    try:
        value = _PlainUnpickler(io.BytesIO(data)).load()
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"cannot decode {len(data)} bytes: {type(exc).__name__}: {exc}") from None
    if type(value) in _CONTAINERS:
        _count(value, max_items)
    elif type(value) is int and value.bit_length() > 4096:
        raise WireError("an integer too long to print")
    return value


_CONTAINERS = (list, tuple, set, frozenset, dict)


def _count(value, limit: int) -> None:
    """Walk value as a tree (no memo: a list holding itself twice, sixty deep, is 2**60 values to str() or hash());
    WireError past limit values, or past ints too long to print."""
    stack, seen = [value], 1
    while stack:
        item = stack.pop()
        if type(item) is dict:
            item = (*item.keys(), *item.values())
        seen += len(item)
        if seen > limit:
            raise WireError(f"more than {limit:,} values (counting shared parts each time)")
        for child in item:
            kind = type(child)
            if kind in _CONTAINERS:
                stack.append(child)
            elif kind is int and child.bit_length() > 4096:
                raise WireError("an integer too long to print")
    if type(value) is int and value.bit_length() > 4096:
        raise WireError("an integer too long to print")


def frame(message) -> bytes:
    payload = dumps(message)
    return _HEADER.pack(len(payload)) + payload


def send_frame(fd: int, message) -> None:
    data = memoryview(frame(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


class CommandReader:
    """The student side's end: whole frames from a blocking pipe, usually one read() each (a command and its
    header arrive together); EOFError when the tester is gone. Commands come from the tester: plain pickle."""

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = bytearray()

    def next(self):
        while True:
            if len(self._buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self._buffer)
                if len(self._buffer) >= _HEADER.size + size:
                    payload = bytes(self._buffer[_HEADER.size:_HEADER.size + size])
                    del self._buffer[:_HEADER.size + size]
                    return pickle.loads(payload)
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                raise EOFError("the tester closed the pipe")
            self._buffer += chunk


class FrameReader:
    """Reassembles frames from a non-blocking pipe; payloads are decoded with loads_plain."""

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = bytearray()
        self.closed = False

    def pending(self) -> int:
        """Bytes of a frame begun but not finished."""
        return len(self._buffer)

    def feed(self) -> list:
        """Read what is there now (the fd must be readable or closed) and return the whole frames it completes."""
        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            self.closed = True
        elif chunk:
            self._buffer += chunk
        messages = []
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            if size > MAX_FRAME_BYTES:
                raise WireError(f"a report of {size} bytes (the limit is {MAX_FRAME_BYTES})")
            if len(self._buffer) < _HEADER.size + size:
                break
            payload = bytes(self._buffer[_HEADER.size:_HEADER.size + size])
            del self._buffer[:_HEADER.size + size]
            messages.append(loads_plain(payload, MAX_FRAME_ITEMS))
        return messages
