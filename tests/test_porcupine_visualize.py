"""The HTML history view: what it draws (page_data), that it is self-contained, and that a real headless
browser renders every operation without a script error."""
import json
import re

from browser import render_in_chromium
from tester.porcupine import (GET, KV_MODEL, PUT, REGISTER_MODEL, Annotation, CheckResult, KvInput, KvOutput,
                              Operation, check_operations_verbose, load_history)
from tester.porcupine.testdata import find_test_data
from tester.porcupine.visualize import page_data, visualize

DATA = find_test_data()


def kv(client, op, value, call, ret, out="", key="k"):
    return Operation(client, KvInput(op, key, value), call, KvOutput(out), ret)


# put x, a read sees x, a later read sees the old value: the third op cannot be linearized
STALE_READ = [kv(0, PUT, "x", 0, 10), kv(1, GET, "", 12, 14, out="x"), kv(2, GET, "", 16, 18, out=""),
              kv(3, PUT, "y", 0, 30, key="other")]
FAULTS = [Annotation(11, "partition [0 1] | [2 3 4]", end=15), Annotation(17, "crash", peer=2)]


def test_page_data_shows_partials_states_and_the_op_that_breaks():
    _, info = check_operations_verbose(KV_MODEL, STALE_READ)
    data = page_data(KV_MODEL, info, FAULTS, title="t")
    assert data["result"] == "illegal" and data["title"] == "t"
    bad, good = data["partitions"]  # sorted by key: "k" then "other"
    assert (bad["label"], bad["ok"], good["ok"]) == ("key 'k'", False, True)
    assert [op["desc"] for op in bad["ops"]] == ["put('k', 'x')", "get('k') -> 'x'", "get('k') -> ''"]
    assert bad["partials"] == [[[0, "'x'"], [1, "'x'"]]]  # [op id, state after it]
    assert bad["largest"] == [0, 0, -1]
    assert bad["error"] == {"op": 2, "state": "'x'"}
    assert good["error"] is None and good["partials"] == [[[0, "'y'"]]]
    assert data["annotations"] == [{"time": 11, "end": 15, "text": "partition [0 1] | [2 3 4]", "peer": None},
                                   {"time": 17, "end": None, "text": "crash", "peer": 2}]


def test_page_data_of_a_history_that_fails_before_any_linearization():
    ops = [Operation(0, KvInput(GET, "k"), 0, KvOutput("ghost"), 1)]
    _, info = check_operations_verbose(KV_MODEL, ops)
    part = page_data(KV_MODEL, info)["partitions"][0]
    assert part["partials"] == [] and part["error"] == {"op": 0, "state": "''"}


def test_page_is_self_contained_and_escapes_the_data(tmp_path):
    sneaky = STALE_READ + [kv(4, PUT, "</script><script>alert(1)</script>", 40, 41, key="z")]
    path = visualize(KV_MODEL, sneaky, tmp_path / "h.html", annotations=FAULTS, title="<b>title</b>")
    page = path.read_text()
    assert "</script><script>alert" not in page and "&lt;b&gt;title&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|<link|@import|url\(""", page, re.I)
    blob = re.search(r'<script type="application/json" id="history-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob)
    assert sum(len(p["ops"]) for p in data["partitions"]) == len(sneaky)
    assert data["partitions"][2]["ops"][0]["desc"] == "put('z', '</script><script>alert(1)</script>')"


def test_visualize_takes_a_history_or_its_info(tmp_path):
    result, info = check_operations_verbose(KV_MODEL, STALE_READ)
    a = visualize(KV_MODEL, info, tmp_path / "a.html").read_text()
    b = visualize(KV_MODEL, STALE_READ, tmp_path / "b.html").read_text()
    assert a == b and result is CheckResult.ILLEGAL


# --- in a real browser ------------------------------------------------------------------------------------

def test_chromium_renders_every_operation_without_script_errors(tmp_path):
    # a real register history with unknown outcomes, plus the faults
    ops, model = load_history(DATA / "etcd" / "etcd_000.log").operations, REGISTER_MODEL
    notes = [Annotation(10, "partition [0 1] | [2 3 4]", end=30), Annotation(40, "crash", peer=2)]
    _, info = check_operations_verbose(model, ops)
    page = visualize(model, info, tmp_path / "view.html", annotations=notes)
    attrs, dom = render_in_chromium(page, tmp_path, "#first-error")  # as if "jump to first error" was clicked
    assert attrs["data-script-errors"] == ""
    assert attrs["data-rendered-ops"] == str(len(ops))
    assert len(re.findall(r'<g class="op[ "]', dom)) == len(ops)
    assert dom.count('class="op bad') == 1  # the op that cannot be linearized, selected
    assert dom.count('class="note"') == len(notes)
    bad_part = next(p for p in info.partitions if p.ok is False)
    assert dom.count('class="lp"') == len(bad_part.partial_linearizations[0])  # the longest partial is drawn
    assert dom.count('class="lp-bad"') == 1


def test_chromium_reports_a_script_error(tmp_path):
    """The check above would catch a broken script: a page whose data the script cannot draw reports it."""
    page = visualize(KV_MODEL, STALE_READ, tmp_path / "view.html")
    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text().replace('"partitions":[', '"partitions":[null,', 1))
    attrs, _ = render_in_chromium(broken, tmp_path)
    assert attrs["data-script-errors"] != "" and attrs["data-rendered-ops"] == "0"
