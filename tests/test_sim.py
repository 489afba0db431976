"""The simulated world: virtual clock, seeds and determinism, peers, logging, and every misuse detector."""

import asyncio
import io
import logging
import random
import sys
import time

import pytest

import labrpc
from labrpc import Network, Peer, Server, Service


def test_virtual_time_jumps_and_every_asyncio_timer_follows_it():
    async def body():
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.sleep(3600)
        assert loop.time() - t0 == 3600 and labrpc.now() == 3600
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.Event().wait(), 2.5)
        if sys.version_info >= (3, 11):   # asyncio.timeout is new in 3.11
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(1.25):
                    await asyncio.sleep(10)
            assert labrpc.now() == 3603.75
        return time.process_time()
    started = time.process_time()
    assert labrpc.run(body, seed=1) - started < 1.0   # an hour of virtual time costs no real waiting


def test_real_clock_runs_the_same_code_on_the_wall_clock():
    async def body():
        await asyncio.sleep(0.2)
        return labrpc.now()
    t0 = time.monotonic()
    assert 0.2 <= labrpc.run(body, seed=1, clock="real") < 0.5
    assert time.monotonic() - t0 >= 0.2


def _unreliable_workload():
    """Concurrent callers on an unreliable, reordering network; returns (results, trace hash)."""
    class Echo:
        def echo(self, x):
            return x

    async def body():
        net = Network()
        net.reliable(False)
        net.long_reordering(True)
        with Peer("S0").active():
            srv = Server()
        srv.add_service(Service(Echo()))
        net.add_server(0, srv)
        ends = []
        for i in range(5):
            end = net.make_end(f"c{i}")
            net.connect(end.name, 0)
            net.enable(end.name, True)
            ends.append(end)

        async def client(end):
            got = []
            for j in range(20):
                got.append(await end.call("Echo.echo", j))
                await asyncio.sleep(random.random() / 10)   # student-style use of the global random
            return got
        results = await asyncio.gather(*(Peer(f"C{i}").spawn(client(e)) for i, e in enumerate(ends)))
        return results, labrpc.current_simulation().trace_hash(), labrpc.now()
    return body


def test_same_seed_same_trace_different_seed_different_trace():
    a = labrpc.run(_unreliable_workload(), seed=7)
    b = labrpc.run(_unreliable_workload(), seed=7)
    c = labrpc.run(_unreliable_workload(), seed=8)
    assert a == b
    assert a[1] != c[1]
    flat = [r for client in a[0] for r in client]
    assert None in flat and any(r is not None for r in flat)   # the workload did meet drops


def test_shuffled_schedule_is_replayable_and_differs_from_fifo():
    shuffled = [labrpc.run(_unreliable_workload(), seed=7, schedule="shuffle")[1] for _ in range(2)]
    fifo = labrpc.run(_unreliable_workload(), seed=7)[1]
    assert shuffled[0] == shuffled[1] != fifo


def test_streams_are_independent_of_each_other_and_of_global_random():
    async def body(extra_draws):
        for _ in range(extra_draws):
            random.random()
            labrpc.random_stream("tester").random()
        return [labrpc.random_stream("network").random() for _ in range(3)]
    assert labrpc.run(lambda: body(0), seed=3) == labrpc.run(lambda: body(5), seed=3)
    assert labrpc.run(lambda: body(0), seed=3) != labrpc.run(lambda: body(0), seed=4)


def test_global_random_is_seeded_per_run_and_restored_after():
    random.seed(123)
    outside = random.random()
    random.seed(123)

    async def body():
        return random.random()
    assert labrpc.run(body, seed=5) == labrpc.run(body, seed=5)
    assert random.random() == outside


def test_killing_a_peer_cancels_all_its_tasks_including_ones_they_started():
    async def body():
        ticks = {"child": 0, "grandchild": 0}

        async def tick(name):
            while True:
                ticks[name] += 1
                await asyncio.sleep(0.1)

        async def child():
            asyncio.ensure_future(tick("grandchild"))
            await tick("child")
        peer = Peer("S1")
        peer.spawn(child())
        await asyncio.sleep(1)
        peer.kill()
        frozen = dict(ticks)
        await asyncio.sleep(1)
        late = peer.spawn(tick("child"))   # a dead peer cannot start anything new
        await asyncio.sleep(0)
        return frozen, ticks, late.cancelled()
    frozen, after, late_cancelled = labrpc.run(body, seed=1)
    assert frozen == after and frozen["grandchild"] >= 9 and late_cancelled


def test_log_lines_carry_virtual_time_and_peer():
    out = io.StringIO()
    handler = labrpc.enable_logging(out, topics=["VOTE", "INFO"])
    try:
        async def body():
            await asyncio.sleep(12.345)
            with Peer("S2").active():
                labrpc.dlog("VOTE", "granted vote to %s", "S1")
                labrpc.dlog("APPEND", "not shown: topic filtered out")
                logging.getLogger("student.raft").info("plain logging works too")
        labrpc.run(body, seed=1)
    finally:
        labrpc.disable_logging(handler)
    lines = out.getvalue().splitlines()
    assert lines == ["    12.345 S2    VOTE     granted vote to S1", "    12.345 S2    INFO     plain logging works too"]


# --- misuse detectors: a small wrong program each, and the message it gets

def test_deadlock_lists_pending_tasks_and_what_they_await():
    async def body():
        await asyncio.sleep(3)
        Peer("S1").spawn(asyncio.Queue().get())
        await asyncio.Event().wait()
    with pytest.raises(labrpc.DeadlockError) as info:
        labrpc.run(body, seed=1)
    message = str(info.value)
    assert "deadlock at virtual time 3.000 s" in message
    assert "(S1): in get at" in message and "queues.py" in message
    assert "main (tester): in body at" in message and "awaiting <Future pending" in message


def test_time_sleep_in_a_virtual_run_is_refused_with_advice():
    async def body():
        await asyncio.sleep(1.5)

        async def bad():
            time.sleep(0.01)
        await Peer("S2").spawn(bad())
    with pytest.raises(labrpc.MisuseError, match=r"S2 at 1.500 s: time.sleep\(0.01\) would freeze .* Use `await "
                                                 r"asyncio.sleep\(0.01\)` instead"):
        labrpc.run(body, seed=1)
    time.sleep(0)   # and it is the real time.sleep again afterwards


def test_time_sleep_caught_by_the_student_still_fails_the_run():
    async def body():
        try:
            time.sleep(1)
        except Exception:
            pass
        await asyncio.sleep(1)
    with pytest.raises(labrpc.MisuseError, match="time.sleep"):
        labrpc.run(body, seed=1)


def test_busy_loop_is_interrupted_and_its_stack_reported():
    async def body():
        async def spin():
            await asyncio.sleep(2)
            while True:
                pass
        Peer("S3").spawn(spin())
        await asyncio.sleep(100)
    t0 = time.monotonic()
    with pytest.raises(labrpc.BusyLoopError) as info:
        labrpc.run(body, seed=1, busy_limit=0.5)
    message = str(info.value)
    assert message.startswith("S3 at virtual time 2.000 s: task") and "without yielding" in message
    assert "in spin" in message and "while True" in message
    assert time.monotonic() - t0 < 5


def test_virtual_time_limit():
    async def body():
        while True:
            await asyncio.sleep(1)
    with pytest.raises(labrpc.TimeLimitExceeded, match="virtual time limit of 120 s reached"):
        labrpc.run(body, seed=1, time_limit=120)


def test_real_time_limit_stops_a_world_whose_clock_never_moves():
    async def body():
        while True:
            await asyncio.sleep(0)
    with pytest.raises(labrpc.TimeLimitExceeded, match="real time limit of 0.3 s"):
        labrpc.run(body, seed=1, real_time_limit=0.3)


def test_interrupted_worlds_leave_the_process_clean_for_the_next_run():
    # The watchdog's interruption must never land in run()'s own clean-up: that once left the world registered,
    # and every later run in the process failed with "cannot be nested".
    async def spins_yielding():
        while True:
            await asyncio.sleep(0)

    async def spins():
        while True:
            pass

    async def answer():
        return 42
    for _ in range(4):
        with pytest.raises(labrpc.TimeLimitExceeded):
            labrpc.run(spins_yielding, seed=1, real_time_limit=0.1)
        assert labrpc.run(answer, seed=1) == 42
        with pytest.raises(labrpc.BusyLoopError):
            labrpc.run(spins, seed=1, busy_limit=0.1)
        assert labrpc.run(answer, seed=1) == 42


def test_unhandled_exception_in_a_peer_task_fails_the_run():
    async def body():
        async def ticker():
            await asyncio.sleep(0.5)
            raise NotImplementedError("ticker is yours to write")
        Peer("S4").spawn(ticker())
        await asyncio.sleep(10)
    with pytest.raises(labrpc.TaskCrashed, match="S4 at 0.500 s: task .* raised NotImplementedError: ticker is"):
        labrpc.run(body, seed=1)


def test_an_awaited_exception_is_the_awaiters_to_handle():
    async def body():
        async def fails():
            raise ValueError("handled")
        try:
            await asyncio.ensure_future(fails())
        except ValueError:
            return "caught"
    assert labrpc.run(body, seed=1) == "caught"


def test_threads_are_refused():
    async def body():
        await asyncio.to_thread(print, "never")
    with pytest.raises(labrpc.MisuseError, match="threads .* are not allowed"):
        labrpc.run(body, seed=1)


def test_outside_a_run_the_clock_is_unavailable_with_a_clear_message():
    with pytest.raises(labrpc.MisuseError, match="no simulation is running"):
        labrpc.now()
    with pytest.raises(labrpc.MisuseError, match="no simulation is running"):
        Network()
