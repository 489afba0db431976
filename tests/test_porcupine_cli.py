"""`raftlab check HISTORY`: verdict, exit status (0 ok, 1 illegal, 2 unknown, 3 bad file) and --html."""
import pytest
from click.testing import CliRunner

from tester.check_cli import check
from tester.porcupine import APPEND, GET, PUT, Annotation, KvInput, KvOutput, Operation, write_history


def kv(client, op, value, call, ret, out="", key="k"):
    return Operation(client, KvInput(op, key, value), call, KvOutput(out), ret)


def run(*args):
    return CliRunner().invoke(check, [str(a) for a in args])


@pytest.fixture
def histories(tmp_path):
    fine = [kv(0, PUT, "x", 0, 1), kv(1, GET, "", 2, 3, out="x")]
    stale = [kv(0, PUT, "x", 0, 1), kv(1, GET, "", 2, 3, out="")]
    # 12 concurrent appends, then a read no order produces: far too many orders for a tiny budget
    hard = [kv(c, APPEND, f"<{c}>", 0, 10) for c in range(12)] + [kv(12, GET, "", 20, 21, out="no")]
    paths = {}
    for name, ops in (("fine", fine), ("stale", stale), ("hard", hard)):
        paths[name] = tmp_path / f"{name}.json"
        write_history(paths[name], ops, [Annotation(1.5, "crash", peer=1)])
    return paths


def test_linearizable_history_exits_0(histories):
    res = run(histories["fine"])
    assert res.exit_code == 0 and "fine.json: linearizable (2 operations, 1 partition(s), kv model" in res.output


def test_illegal_history_exits_1_and_writes_the_html_view(histories, tmp_path):
    res = run(histories["stale"])
    assert res.exit_code == 1 and "NOT linearizable" in res.output and "--html" in res.output
    res = run(histories["stale"], "--html", tmp_path / "out.html")
    assert res.exit_code == 1 and "#first-error" in res.output
    page = (tmp_path / "out.html").read_text()
    assert "get('k') -> ''" in page and '"text":"crash"' in page


def test_timeout_exits_2(histories):
    res = run(histories["hard"], "--timeout", "0.05")
    assert res.exit_code == 2 and "unknown" in res.output


def test_bad_file_exits_3_naming_file_and_line(tmp_path, histories):
    bad = tmp_path / "bad.json"
    bad.write_text('[\n{"client": 0, "input": {"op": "get"}, "call": 0, "return": 1}\n]')
    res = run(bad)
    assert res.exit_code == 3 and f"{bad}:2: operation 0: missing field 'key'" in res.output
    res = run(tmp_path / "missing.json")
    assert res.exit_code == 3 and "cannot read" in res.output and "missing.json" in res.output
    res = run(histories["fine"], "--model", "register")
    assert res.exit_code == 3 and "holds kv operations; --model register cannot check them" in res.output


def test_format_option_forces_a_parser(histories):
    res = run(histories["fine"], "--format", "etcd")
    assert res.exit_code == 3 and "fine.json:1: expected 'INFO  jepsen.util" in res.output
