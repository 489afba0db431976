"""History files (kv EDN-like logs, Jepsen etcd logs, our JSON) and events <-> operations."""
import json

import pytest

from tester.porcupine import (APPEND, CALL, CAS, GET, PUT, READ, RETURN, WRITE, Annotation, Event, HistoryFormatError,
                              KvInput, KvOutput, Operation, RegisterInput, RegisterOutput, events_to_operations,
                              load_history, operations_to_events, parse_etcd_log, parse_json_history, parse_kv_log,
                              write_history)
from tester.porcupine.testdata import find_test_data

DATA = find_test_data()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# --- kv (EDN-like) ----------------------------------------------------------------------------------

KV_LOG = """{:process 0, :type :invoke, :f :put, :key "k", :value "x"}
{:process 1, :type :invoke, :f :get, :key "k", :value nil}
{:process 0, :type :ok, :f :put, :key "k", :value "x"}
{:process 1, :type :ok, :f :get, :key "k", :value "x"}
{:process 2, :type :invoke, :f :append, :key "j", :value "a \\"q\\""}
"""


def test_kv_log_pairs_returns_with_their_process_and_closes_open_invokes_at_the_end(tmp_path):
    ops = parse_kv_log(write(tmp_path, "h.txt", KV_LOG))
    assert ops == [Operation(0, KvInput(PUT, "k", "x"), 0, KvOutput(""), 2),
                   Operation(1, KvInput(GET, "k", ""), 1, KvOutput("x"), 3),
                   Operation(2, KvInput(APPEND, "j", 'a "q"'), 4, KvOutput(""), 5)]


@pytest.mark.parametrize("line, complaint", [
    ('{:process 0, :type :invoke, :f :get, :key "k"}', "missing :value"),
    ('{:process 0, :type :invoke, :f :cas, :key "k", :value nil}', ":f must be :get, :put or :append"),
    ('{:process 0, :type :fail, :f :get, :key "k", :value nil}', ":type must be :invoke or :ok"),
    ('{:process 0, :type :invoke :f :get}', "cannot read a ':key value' pair"),
    ('{:process 3, :type :ok, :f :get, :key "k", :value nil}', "process 3, which has no open invoke"),
    ('{:process 0, :type :invoke, :f :get, :key "k", :value nil}', "invokes again while its invoke at line 1"),
    ("process 0 invoke", "expected one map"),
])
def test_kv_log_errors_name_file_and_line(tmp_path, line, complaint):
    path = write(tmp_path, "bad.txt", '{:process 0, :type :invoke, :f :get, :key "k", :value nil}\n\n' + line + "\n")
    with pytest.raises(HistoryFormatError) as err:
        parse_kv_log(path)
    assert str(err.value).startswith(f"{path}:3: ") and complaint in str(err.value)


def test_kv_test_data_sizes_match_the_spec():
    # spec §7.5: operations and keys per file
    sizes = {"c01-ok": (58, 10), "c01-bad": (38, 8), "c10-ok": (337, 10), "c10-bad": (405, 10),
             "c50-ok": (1712, 10), "c50-bad": (2024, 10)}
    for name, (n_ops, n_keys) in sizes.items():
        ops = parse_kv_log(DATA / "kv" / f"{name}.txt")
        assert (len(ops), len({op.input.key for op in ops})) == (n_ops, n_keys), name


# --- etcd (Jepsen) ------------------------------------------------------------------------------------

ETCD_LOG = """INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]
INFO  jepsen.util - 2\t:invoke\t:write\t4
INFO  jepsen.util - 0\t:ok\t:read\tnil
INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]
INFO  jepsen.util - 2\t:info\t:write\t:timed-out
INFO  jepsen.util - 3   :invoke :read   nil
INFO  jepsen.util - 3   :fail   :read   :timed-out
"""


def test_etcd_log_unknown_outcomes(tmp_path):
    ops = parse_etcd_log(write(tmp_path, "h.log", ETCD_LOG))
    assert ops == [Operation(0, RegisterInput(READ), 0, RegisterOutput(None), 3),
                   Operation(1, RegisterInput(CAS, 2, 1), 1, RegisterOutput(ok=False), 4),
                   # :info is no answer: the write stays open until after the last event
                   Operation(2, RegisterInput(WRITE, 4), 2, RegisterOutput(unknown=True), 7),
                   Operation(3, RegisterInput(READ), 5, RegisterOutput(unknown=True), 6)]


@pytest.mark.parametrize("line, complaint", [
    ("INFO  jepsen.util - 1\t:invoke\t:write\tnil", "invoke :write cannot take nil"),
    ("INFO  jepsen.util - 1\t:ok\t:read\t:timed-out", "only ':fail :read :timed-out'"),
    ("INFO  jepsen.util - 1\t:invoke\t:frob\t1", "expected 'INFO  jepsen.util"),
    ("INFO  jepsen.util - 9\t:ok\t:read\t1", "process 9, which has no open invoke"),
])
def test_etcd_log_errors_name_file_and_line(tmp_path, line, complaint):
    path = write(tmp_path, "bad.log", "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n\n" + line + "\n")
    with pytest.raises(HistoryFormatError) as err:
        parse_etcd_log(path)
    assert str(err.value).startswith(f"{path}:3: ") and complaint in str(err.value)


# --- format guessing ------------------------------------------------------------------------------------

def test_format_is_guessed_from_the_content(tmp_path):
    assert load_history(write(tmp_path, "a.any", KV_LOG)).model == "kv"
    assert load_history(write(tmp_path, "b.any", ETCD_LOG)).model == "register"
    assert load_history(write(tmp_path, "c.any", "[]")).operations == []
    with pytest.raises(HistoryFormatError, match="empty"):
        load_history(write(tmp_path, "d.any", "\n\n"))
    with pytest.raises(HistoryFormatError, match="cannot tell the format"):
        load_history(write(tmp_path, "e.any", "hello\n"))
    (tmp_path / "g.any").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(HistoryFormatError, match="g.any: not UTF-8 text"):
        load_history(tmp_path / "g.any")
    with pytest.raises(ValueError, match="unknown history format 'xml'"):
        load_history(write(tmp_path, "f.any", "[]"), "xml")


# --- our JSON format -----------------------------------------------------------------------------------

def test_json_round_trip_with_annotations(tmp_path):
    ops = [Operation(0, KvInput(PUT, "k", "x"), 0.5, KvOutput(""), 1.25),
           Operation(3, KvInput(GET, "k"), 1.0, KvOutput("x"), 2.0),
           Operation(1, KvInput(APPEND, "k", "y"), 2, KvOutput(""), 2)]
    notes = [Annotation(0.75, "partition [0 1] | [2 3 4]", end=1.5), Annotation(1.9, "crash", peer=2)]
    path = tmp_path / "h.json"
    write_history(path, ops, notes)
    history = parse_json_history(path)
    assert (history.operations, history.annotations, history.model) == (ops, notes, "kv")
    assert load_history(path).operations == ops
    assert len(path.read_text().splitlines()) == 2 + len(ops) + 2 + len(notes)  # one operation per line


def test_json_round_trip_of_register_operations(tmp_path):
    ops = [Operation(0, RegisterInput(WRITE, 3), 0, RegisterOutput(), 1),
           Operation(1, RegisterInput(CAS, 4, 3), 1, RegisterOutput(ok=False), 2),
           Operation(2, RegisterInput(READ), 2, RegisterOutput(3), 3),
           Operation(3, RegisterInput(READ), 2, RegisterOutput(unknown=True), 9)]
    write_history(tmp_path / "r.json", ops)
    history = parse_json_history(tmp_path / "r.json")
    assert (history.operations, history.model) == (ops, "register")


def test_json_register_flags_must_be_booleans(tmp_path):
    op = {"client": 1, "input": {"op": "cas", "expect": 1, "value": 2}, "output": {"ok": "false"}, "call": 0, "return": 1}
    with pytest.raises(HistoryFormatError, match='h.json:1: operation 0: "ok" of the output must be true or false'):
        parse_json_history(write(tmp_path, "h.json", json.dumps([op])))


def test_json_bare_list_with_defaults(tmp_path):
    op = {"client": 1, "input": {"op": "get", "key": "k"}, "call": 0, "return": 1}
    path = write(tmp_path, "h.json", json.dumps([op]))
    assert parse_json_history(path).operations == [Operation(1, KvInput(GET, "k", ""), 0, KvOutput(""), 1)]


GOOD_OP = '{"client": 0, "input": {"op": "put", "key": "k", "value": "v"}, "output": {}, "call": 0, "return": 1}'


@pytest.mark.parametrize("bad_op, complaint", [
    ('{"client": 0, "input": {"op": "put", "key": "k"}, "call": 0}', "operation 1: missing field 'return'"),
    ('{"client": 0, "input": {"op": "pop", "key": "k"}, "call": 0, "return": 1}', "\"op\" must be one of"),
    ('{"client": 0, "input": {"op": "get", "key": 7}, "call": 0, "return": 1}', "the key must be a string"),
    ('{"client": 0, "input": {"op": "get", "key": "k"}, "call": 5, "return": 1}', '"return" 1 comes before "call" 5'),
    ('{"client": "a", "input": {"op": "get", "key": "k"}, "call": 0, "return": 1}', "\"client\" must be an integer"),
    ('{"client": 0, "input": {"op": "get", "key": "k"}, "call": "0", "return": 1}', '"call" must be a finite number'),
    ('{"client": 0, "input": {"op": "get", "key": "k"}, "call": NaN, "return": 1}', '"call" must be a finite number'),
    ('{"client": 0, "input": {"op": "put", "key": "k"}, "output": {"value": 1}, "call": 0, "return": 1}',
     "the output value must be a string"),
    ('{"client": 0, "input": {"op": "get", "key": "k"}, "call": 0, "return": 1, "x": 1}', "unknown field(s) x"),
    ('{"client": 0, "input": {"op": "read"}, "call": 0, "return": 1}', "operation 1 is a register op"),
])
def test_json_errors_name_the_line_of_the_operation(tmp_path, bad_op, complaint):
    path = write(tmp_path, "h.json", '{"operations": [\n' + GOOD_OP + ",\n\n  " + bad_op + "\n]}\n")
    with pytest.raises(HistoryFormatError) as err:
        parse_json_history(path)
    assert str(err.value).startswith(f"{path}:4: ") and complaint in str(err.value)


def test_json_annotation_and_syntax_errors_name_the_line(tmp_path):
    path = write(tmp_path, "a.json", '{"annotations": [\n{"time": 1, "text": "ok"},\n{"text": "no time"}],\n'
                                     '"operations": []}')
    with pytest.raises(HistoryFormatError, match=r"a\.json:3: annotation 1: missing field 'time'"):
        parse_json_history(path)
    path = write(tmp_path, "s.json", '{"operations": [\n' + GOOD_OP + "\n" + GOOD_OP + "]}")
    with pytest.raises(HistoryFormatError, match=r"s\.json:3: not valid JSON"):
        parse_json_history(path)
    with pytest.raises(HistoryFormatError, match=r"o\.json:1: expected"):
        parse_json_history(write(tmp_path, "o.json", '{"ops": []}'))


# --- events <-> operations ------------------------------------------------------------------------------

def test_events_and_operations_convert_both_ways():
    events = [Event(0, CALL, "a", "x"), Event(1, CALL, "b", "y"),
              Event(1, RETURN, "B", "y"), Event(0, RETURN, "A", "x")]
    ops = events_to_operations(events)
    assert ops == [Operation(0, "a", 0, "A", 3), Operation(1, "b", 1, "B", 2)]
    assert [(e.kind, e.value) for e in operations_to_events(ops)] == [(e.kind, e.value) for e in events]
    # equal times: the call comes first, as the checker orders them
    tie = operations_to_events([Operation(0, "a", 0, "A", 1), Operation(1, "b", 1, "B", 2)])
    assert [(e.kind, e.value) for e in tie] == [(CALL, "a"), (CALL, "b"), (RETURN, "A"), (RETURN, "B")]


@pytest.mark.parametrize("events, complaint", [
    ([Event(0, RETURN, 1, 0)], "event 0: return for id 0 has no open call"),
    ([Event(0, CALL, 1, 0), Event(1, CALL, 1, 0)], "event 1: call id 0 is already open"),
    ([Event(0, CALL, 1, 0)], "event 0: call id 0 never returns"),
    ([Event(0, "begin", 1, 0)], "kind must be CALL or RETURN"),
])
def test_bad_events_are_refused_with_their_position(events, complaint):
    with pytest.raises(ValueError, match=complaint):
        events_to_operations(events)
