"""The linearizability checker: Porcupine's own unit tests (spec §7.5), its 108 public histories, timeouts,
verbose output, and a brute-force cross-check on small random histories."""
import itertools
import random

import pytest

from tester.porcupine import (APPEND, CALL, CAS, GET, KV_MODEL, MODELS, PUT, READ, REGISTER_MODEL, RETURN, WRITE,
                              CheckResult, Event, KvInput, KvOutput, Model, Operation, RegisterInput, RegisterOutput,
                              check_events, check_operations, check_operations_verbose, load_history)
from tester.porcupine.testdata import find_test_data, published_cases

OK, ILLEGAL, UNKNOWN = CheckResult.OK, CheckResult.ILLEGAL, CheckResult.UNKNOWN


class PutGetRegister(Model):
    """The register of Porcupine's TestRegisterModel: starts at 0, put(v) / get() -> v."""

    def init(self):
        return 0

    def step(self, state, input, output):
        op, value = input
        return (True, value) if op == "put" else (output == state, state)


REG = PutGetRegister()


def put(client, value, call, ret):
    return Operation(client, ("put", value), call, None, ret)


def get(client, value, call, ret):
    return Operation(client, ("get", None), call, value, ret)


def kv(client, op, key, value, call, ret, out=""):
    return Operation(client, KvInput(op, key, value), call, KvOutput(out), ret)


def reg(client, op, call, ret, value=None, expect=None, out=None, ok=True, unknown=False):
    return Operation(client, RegisterInput(op, value, expect), call, RegisterOutput(out, ok, unknown), ret)


# --- Porcupine's TestRegisterModel and TestZeroDuration ------------------------------------------------

def test_register_model_overlapping_reads_of_old_and_new_value_are_ok():
    history = [put(0, 100, 0, 100), get(1, 100, 25, 75), get(2, 0, 30, 60)]
    assert check_operations(REG, history) == OK


def test_register_model_read_of_old_value_after_new_value_was_read_is_illegal():
    history = [put(0, 200, 0, 100), get(1, 200, 10, 30), get(2, 0, 40, 90)]
    assert check_operations(REG, history) == ILLEGAL


def test_register_model_as_events():
    ok = [Event(0, CALL, ("put", 100), 0), Event(1, CALL, ("get", None), 1), Event(2, CALL, ("get", None), 2),
          Event(2, RETURN, 0, 2), Event(1, RETURN, 100, 1), Event(0, RETURN, None, 0)]
    bad = [Event(0, CALL, ("put", 200), 0), Event(1, CALL, ("get", None), 1), Event(1, RETURN, 200, 1),
           Event(2, CALL, ("get", None), 2), Event(2, RETURN, 0, 2), Event(0, RETURN, None, 0)]
    assert check_events(REG, ok) == OK
    assert check_events(REG, bad) == ILLEGAL


def test_zero_duration_operations_at_the_same_instant_overlap():
    # equal times: calls sort before returns, so both reads overlap the put and each other
    assert check_operations(REG, [put(0, 100, 0, 10), get(1, 100, 5, 5), get(2, 0, 5, 5)]) == OK
    assert check_operations(REG, [put(0, 1, 1, 1), get(1, 1, 1, 1)]) == OK
    assert check_operations(REG, [put(0, 1, 1, 1), get(1, 0, 1, 1)]) == OK


def test_zero_duration_operations_in_sequence_keep_their_order():
    assert check_operations(REG, [put(0, 100, 0, 10), get(1, 100, 3, 3), get(2, 0, 6, 6)]) == ILLEGAL
    assert check_operations(REG, [put(0, 1, 1, 1), get(1, 0, 2, 2)]) == ILLEGAL


def test_empty_history_is_linearizable():
    assert check_operations(KV_MODEL, []) == OK


def test_return_before_call_is_refused_with_the_operation_named():
    with pytest.raises(ValueError, match=r"operation 1 .* returns at 3 before its call at 4"):
        check_operations(REG, [put(0, 1, 0, 1), get(1, 1, 4, 3)])


def test_unhashable_state_is_refused_with_advice():
    class ListModel(PutGetRegister):
        def step(self, state, input, output):
            return True, [input[1]]
    with pytest.raises(TypeError, match="not hashable"):
        check_operations(ListModel(), [put(0, 1, 0, 1)])


# --- the models -------------------------------------------------------------------------------------------

def test_kv_model_steps_and_partitions_by_key_in_sorted_order():
    assert KV_MODEL.step("ab", KvInput(GET, "k"), KvOutput("ab")) == (True, "ab")
    assert KV_MODEL.step("ab", KvInput(GET, "k"), KvOutput("a")) == (False, "ab")
    assert KV_MODEL.step("ab", KvInput(PUT, "k", "x"), KvOutput()) == (True, "x")
    assert KV_MODEL.step("ab", KvInput(APPEND, "k", "x"), KvOutput()) == (True, "abx")
    ops = [kv(0, PUT, "b", "1", 0, 1), kv(1, PUT, "a", "2", 0, 1), kv(2, GET, "b", "", 2, 3, out="1")]
    assert KV_MODEL.partition(ops) == [[ops[1]], [ops[0], ops[2]]]
    assert KV_MODEL.describe_operation(KvInput(GET, "k"), KvOutput("v")) == "get('k') -> 'v'"
    assert KV_MODEL.describe_operation(KvInput(APPEND, "k", "x"), KvOutput()) == "append('k', 'x')"


def test_kv_keys_are_checked_independently():
    # each key alone is fine; an append to "a" seen by a later get is lost: only key "a" is illegal
    fine = [kv(0, PUT, "b", "1", 0, 1), kv(1, GET, "b", "", 2, 3, out="1")]
    lost = [kv(0, APPEND, "a", "x", 0, 1), kv(1, GET, "a", "", 2, 3, out="")]
    assert check_operations(KV_MODEL, fine) == OK
    assert check_operations(KV_MODEL, fine + lost) == ILLEGAL


def test_register_model_cas_and_unknown_outcomes():
    R = REGISTER_MODEL
    assert R.step(None, RegisterInput(READ), RegisterOutput(None)) == (True, None)
    assert R.step(3, RegisterInput(READ), RegisterOutput(None)) == (False, 3)
    assert R.step(3, RegisterInput(CAS, 4, 3), RegisterOutput(ok=True)) == (True, 4)
    assert R.step(3, RegisterInput(CAS, 4, 2), RegisterOutput(ok=True)) == (False, 3)
    assert R.step(3, RegisterInput(CAS, 4, 2), RegisterOutput(ok=False)) == (True, 3)
    assert R.step(3, RegisterInput(CAS, 4, 3), RegisterOutput(ok=False)) == (False, 4)
    assert R.step(3, RegisterInput(READ), RegisterOutput(7, unknown=True)) == (True, 3)
    assert R.step(3, RegisterInput(CAS, 4, 3), RegisterOutput(ok=False, unknown=True)) == (True, 4)


def test_unknown_write_may_or_may_not_have_happened():
    took_effect = [reg(0, WRITE, 0, 100, value=1, unknown=True), reg(1, READ, 10, 20, out=1)]
    did_not = [reg(0, WRITE, 0, 100, value=1, unknown=True), reg(1, READ, 10, 20, out=None)]
    assert check_operations(REGISTER_MODEL, took_effect) == OK
    assert check_operations(REGISTER_MODEL, did_not) == OK
    # a known write is not optional
    assert check_operations(REGISTER_MODEL, [reg(0, WRITE, 0, 5, value=1), reg(1, READ, 10, 20, out=None)]) == ILLEGAL


# --- Porcupine's public histories ---------------------------------------------------------------------------

DATA = find_test_data()
CASES = published_cases(DATA)


def test_all_108_published_histories_are_present():
    assert len(CASES) == 108 and sum(c.linearizable for c in CASES) == 3 + 23


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_published_history_verdict(case):
    history = load_history(case.path)
    assert check_operations(MODELS[history.model], history.operations) == (OK if case.linearizable else ILLEGAL)


def test_verbose_witness_of_a_linearizable_history_is_a_real_linearization():
    history = load_history(DATA / "kv" / "c10-ok.txt")
    result, info = check_operations_verbose(KV_MODEL, history.operations)
    assert result == OK and len(info.partitions) == 10
    for part in info.partitions:
        assert part.ok is True
        [order] = part.partial_linearizations
        assert sorted(order) == list(range(len(part.operations)))
        assert_legal_prefix(KV_MODEL, part.operations, order)


def test_verbose_partials_of_an_illegal_history():
    history = load_history(DATA / "kv" / "c10-bad.txt")
    result, info = check_operations_verbose(KV_MODEL, history.operations, timeout=10)
    assert result == ILLEGAL
    verdicts = [p.ok for p in info.partitions]
    assert False in verdicts and True in verdicts  # other keys are still checked in verbose mode
    for part in info.partitions:
        assert part.partial_linearizations, "every partition linearized something"
        lengths = [len(s) for s in part.partial_linearizations]
        assert lengths == sorted(lengths, reverse=True)
        for seq in part.partial_linearizations:
            assert_legal_prefix(KV_MODEL, part.operations, seq)
        if part.ok is False:
            assert lengths[0] < len(part.operations)


def assert_legal_prefix(model, ops, order):
    """`order` applies legally from the initial state and never puts an op before one that returned before its call."""
    state = model.init()
    for k, i in enumerate(order):
        ok, state = model.step(state, ops[i].input, ops[i].output)
        assert ok, f"op {i} illegal at position {k}"
        assert all(not ops[later].return_ < ops[i].call for later in order[k + 1:]), f"op {i} placed too early"


def test_verbose_illegal_partial_stops_before_the_stale_read():
    history = [put(0, 1, 0, 1), get(1, 1, 2, 3), get(2, 0, 4, 5)]
    result, info = check_operations_verbose(REG, history)
    assert result == ILLEGAL and info.partitions[0].ok is False
    assert info.partitions[0].partial_linearizations == [(0, 1)]


# --- time budget ----------------------------------------------------------------------------------------------

def hard_key(key, n=12):
    """n concurrent appends, then a read no order of them produces: the search must try every order (n! states)."""
    ops = [kv(c, APPEND, key, f"<{c}>", 0, 10) for c in range(n)]
    return ops + [kv(n, GET, key, "", 20, 21, out="impossible")]


def test_time_budget_runs_out_on_a_hard_history():
    assert check_operations(KV_MODEL, hard_key("h"), timeout=0.05) == UNKNOWN
    result, info = check_operations_verbose(KV_MODEL, hard_key("h"), timeout=0.05)
    assert result == UNKNOWN and info.partitions[0].ok is None


def test_a_timed_out_partition_does_not_hide_an_illegal_one():
    lost = [kv(0, APPEND, "a", "x", 0, 1), kv(1, GET, "a", "", 2, 3, out="")]  # key "a" sorts first...
    slow_first = [kv(0, APPEND, "0", "x", 0, 1)] + hard_key("0")  # ...after key "0", which never finishes
    assert check_operations(KV_MODEL, slow_first + lost, timeout=0.2) == ILLEGAL
    assert check_operations(KV_MODEL, slow_first + lost[:1], timeout=0.05) == UNKNOWN


# --- brute force cross-check ------------------------------------------------------------------------------

def brute_force(model, ops):
    """Linearizable iff some order respecting real time (a returned before b was called) is legal."""
    for order in itertools.permutations(range(len(ops))):
        pos = {op: k for k, op in enumerate(order)}
        if any(ops[a].return_ < ops[b].call and pos[a] > pos[b] for a in pos for b in pos):
            continue
        state, legal = model.init(), True
        for i in order:
            legal, state = model.step(state, ops[i].input, ops[i].output)
            if not legal:
                break
        if legal:
            return OK
    return ILLEGAL


def random_register_history(rng, n):
    ops = []
    for i in range(n):
        call = rng.randrange(0, 20)
        ret = call + rng.randrange(0, 8)
        kind = rng.choice([READ, WRITE, CAS])
        value, expect = rng.randrange(3), rng.randrange(3)
        unknown = rng.random() < 0.15
        out = rng.choice([None, 0, 1, 2]) if kind == READ else None
        ops.append(reg(i, kind, call, ret, value=value if kind != READ else None,
                       expect=expect if kind == CAS else None, out=out, ok=rng.random() < 0.5, unknown=unknown))
    return ops


def test_agrees_with_brute_force_on_random_small_histories():
    rng = random.Random(6824)
    verdicts = []
    for _ in range(300):
        ops = random_register_history(rng, rng.randrange(1, 7))
        expected = brute_force(REGISTER_MODEL, ops)
        assert check_operations(REGISTER_MODEL, ops) == expected, ops
        verdicts.append(expected)
    assert verdicts.count(OK) > 30 and verdicts.count(ILLEGAL) > 30  # both outcomes were exercised
