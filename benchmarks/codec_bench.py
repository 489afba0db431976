"""The lab codec against C pickle (which has none of its safety) on what students encode: prints `name: value` lines.

    python benchmarks/codec_bench.py [--entries N] [--repeat R]

    encode_objects_ns, pickle_objects_ns     nanoseconds per object to encode a naive student's persisted state,
                                             [term, voted_for, log]: N LogEntry(term, Op(...)) dataclasses (2N objects)
    codec_over_pickle_objects                encode_objects_ns / pickle_objects_ns (below 1: the codec is faster)
    encode_tuples_ns, pickle_tuples_ns       the same log as plain tuples, per entry (the reference's way)
    decode_objects_ns, unpickle_objects_ns   decoding the state of objects, per object
    encode_small_us, pickle_small_us         one small RPC argument (a RequestVoteArgs-like dataclass)
    load_average_before / _after
Each figure is the median of R runs (default 3) of a timed loop.
"""

import argparse
import os
import pickle
import sys
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from labrpc import decode, encode  # noqa: E402  (after the path fix, so the script runs from a checkout)
from measure import median_of, print_load, repeat_option  # noqa: E402


@dataclass
class LogEntry:
    term: int
    command: object = None


@dataclass
class Op:
    kind: str
    key: str
    value: str
    client_id: int
    seq: int


@dataclass
class RequestVoteArgs:
    term: int
    candidate_id: int
    last_log_index: int
    last_log_term: int


def _per_call(function, value, calls: int) -> float:
    """Seconds per call of function(value), over a loop of calls."""
    started = time.perf_counter()
    for _ in range(calls):
        function(value)
    return (time.perf_counter() - started) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    repeat_option(parser)
    options = parser.parse_args()
    n = options.entries
    log = [LogEntry(i // 50, Op("Append", f"k{i % 5}", f"x {i} y", 4_000_000_000 + i, i)) for i in range(n)]
    objects = [3, 1, log]
    tuples = [3, 1, [(e.term, tuple(vars(e.command).values())) for e in log]]
    small = RequestVoteArgs(3, 1, 10, 2)
    encoded, pickled = encode(objects), pickle.dumps(objects, 5)
    calls = max(1, 20_000 // n)

    def figure(function, value, loops: int = calls) -> float:
        return median_of(lambda: _per_call(function, value, loops), options.repeat)

    print_load("before")
    codec_ns = figure(encode, objects) / (2 * n) * 1e9
    pickle_ns = figure(lambda v: pickle.dumps(v, 5), objects) / (2 * n) * 1e9
    print(f"encode_objects_ns: {codec_ns:.0f}")
    print(f"pickle_objects_ns: {pickle_ns:.0f}")
    print(f"codec_over_pickle_objects: {codec_ns / pickle_ns:.2f}")
    print(f"encode_tuples_ns: {figure(encode, tuples) / n * 1e9:.0f}")
    print(f"pickle_tuples_ns: {figure(lambda v: pickle.dumps(v, 5), tuples) / n * 1e9:.0f}")
    print(f"decode_objects_ns: {figure(decode, encoded) / (2 * n) * 1e9:.0f}")
    print(f"unpickle_objects_ns: {figure(pickle.loads, pickled) / (2 * n) * 1e9:.0f}")
    print(f"encode_small_us: {figure(encode, small, 20_000) * 1e6:.2f}")
    print(f"pickle_small_us: {figure(lambda v: pickle.dumps(v, 5), small, 20_000) * 1e6:.2f}")
    print_load("after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
