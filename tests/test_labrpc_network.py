"""Ports of Go labrpc's test_test.go (spec §1.4), on the virtual clock and again on the real clock.

TestBenchmark is benchmarks/labrpc_bench.py. The real-clock runs are marked `realclock` (-m "not realclock" skips
them); together they take a few seconds of wall time.
"""

import asyncio
from dataclasses import dataclass

import pytest

import labrpc
from labrpc import Network, Server, Service
from labrpc.network import RPC_LATENCY


@dataclass
class JunkArgs:
    x: int


@dataclass
class JunkReply:
    x: str


class JunkServer:
    def __init__(self):
        self.log1, self.log2 = [], []

    def handler1(self, args: str) -> int:
        self.log1.append(args)
        return int(args)

    def handler2(self, args: int) -> str:
        self.log2.append(args)
        return f"handler2-{args}"

    async def handler3(self, args: int) -> int:
        await asyncio.sleep(20)
        return -args

    def handler4(self, args: JunkArgs) -> JunkReply:
        return JunkReply("pointer")

    async def handler5(self, args: JunkArgs) -> JunkReply:
        return JunkReply("no pointer")

    def handler6(self, args: str) -> int:
        return len(args)

    def handler7(self, args: int) -> str:
        return "y" * args


CLOCKS = ["virtual", pytest.param("real", marks=pytest.mark.realclock)]


@pytest.fixture(params=CLOCKS)
def clock(request):
    return request.param


def simulate(clock, seed=1, time_limit=60):
    """Decorator: run the async test body in a fresh world on the given clock."""
    def wrap(body):
        return labrpc.run(body, seed=seed, clock=clock, time_limit=time_limit)
    return wrap


def junk_world(n_ends=1, server_name=99):
    net = Network()
    js = JunkServer()
    srv = Server()
    srv.add_service(Service(js))
    net.add_server(server_name, srv)
    ends = []
    for i in range(n_ends):
        end = net.make_end(f"end1-{i}")
        net.connect(end.name, server_name)
        net.enable(end.name, True)
        ends.append(end)
    return net, js, ends


def test_basic(clock):
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        assert await e.call("JunkServer.handler2", 111) == "handler2-111"
        assert await e.call("JunkServer.handler1", "9099") == 9099


def test_types(clock):
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        assert await e.call("JunkServer.handler4", JunkArgs(1)) == JunkReply("pointer")
        assert await e.call("JunkServer.handler5", JunkArgs(1)) == JunkReply("no pointer")


def test_disconnect(clock):
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        net.enable(e.name, False)
        assert await e.call("JunkServer.handler2", 111) is None
        assert js.log2 == []
        net.enable(e.name, True)
        assert await e.call("JunkServer.handler1", "9099") == 9099


def test_counts(clock):
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        for i in range(17):
            assert await e.call("JunkServer.handler2", i) == f"handler2-{i}"
        assert net.get_count(99) == 17


def test_bytes(clock):
    # Go's windows are kept: our codec measures 302 bytes for the 284-char string (gob: 284 + framing), 5 for the
    # int reply, and 5 + 122 for Handler7(107), so 17 calls land at about 5270 and 2160 bytes, inside both.
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        for _ in range(17):
            assert await e.call("JunkServer.handler6", "x" * 284) == 284
        n = net.get_total_bytes()
        assert 4828 <= n <= 6000, f"wrong byte count {n}"
        for _ in range(17):
            assert await e.call("JunkServer.handler7", 107) == "y" * 107
        n2 = net.get_total_bytes() - n
        assert 1800 <= n2 <= 2500, f"wrong byte count {n2}"


def test_concurrent_many(clock):
    @simulate(clock)
    async def _():
        net, js, ends = junk_world(n_ends=20)

        async def client(e):
            for j in range(10):
                assert await e.call("JunkServer.handler2", j) == f"handler2-{j}"
            return 10
        assert sum(await asyncio.gather(*(client(e) for e in ends))) == 200
        assert net.get_count(99) == 200


def test_unreliable(clock):
    @simulate(clock)
    async def _():
        net, js, ends = junk_world(n_ends=300)
        net.reliable(False)
        replies = await asyncio.gather(*(e.call("JunkServer.handler2", i) for i, e in enumerate(ends)))
        ok = sum(r == f"handler2-{i}" for i, r in enumerate(replies))
        assert 0 < ok < 300, f"{ok} of 300 calls succeeded on an unreliable network"


def test_concurrent_one(clock):
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        replies = await asyncio.gather(*(e.call("JunkServer.handler2", 100 + i) for i in range(20)))
        assert replies == [f"handler2-{100 + i}" for i in range(20)]
        assert len(js.log2) == 20 and net.get_count(99) == 20


def test_regression1(clock):
    # A call that starts while its end is disabled stays failed, even if the end is enabled while it waits.
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        net.enable(e.name, False)
        early = [asyncio.ensure_future(e.call("JunkServer.handler2", i)) for i in range(20)]
        await asyncio.sleep(0.1)
        net.enable(e.name, True)
        t0 = labrpc.now()
        assert await e.call("JunkServer.handler2", 99) == "handler2-99"
        assert labrpc.now() - t0 < 0.03, "RPC took too long after enable"
        await asyncio.gather(*early)
        assert len(js.log2) == 1 and net.get_count(99) == 1


def test_killed(clock):
    @simulate(clock)
    async def _():
        net, js, (e,) = junk_world()
        call = asyncio.ensure_future(e.call("JunkServer.handler3", 99))
        await asyncio.sleep(1.1)
        assert not call.done(), "Handler3 returned prematurely"
        net.delete_server(99)
        t0 = labrpc.now()
        assert await asyncio.wait_for(call, 0.15) is None, "a call to a deleted server must fail"
        assert labrpc.now() - t0 <= 0.100 + 1e-9


def test_dead_end_delay_ranges():
    # Calls on a disabled end fail after 0-99 ms, or 0-6999 ms with long delays (Go processReq).
    @simulate("virtual", time_limit=1000)
    async def _():
        net, js, (e,) = junk_world()
        net.enable(e.name, False)
        waits = []
        for long in (False, True):
            net.long_delays(long)
            for _ in range(200):
                t0 = labrpc.now()
                assert await e.call("JunkServer.handler2", 1) is None
                waits.append((long, labrpc.now() - t0))
        short = [w for long, w in waits if not long]
        longw = [w for long, w in waits if long]
        assert max(short) < 0.1 and max(longw) < 7.0 and max(longw) > 3.0
        assert net.get_total_count() == 400 and js.log2 == []


def test_long_reordering_delays_replies():
    @simulate("virtual", time_limit=1000)
    async def _():
        net, js, (e,) = junk_world()
        net.long_reordering(True)
        waits = []
        for i in range(300):
            t0 = labrpc.now()
            assert await e.call("JunkServer.handler2", i) == f"handler2-{i}"
            waits.append(labrpc.now() - t0)
        wire = RPC_LATENCY
        delayed = [w - wire for w in waits if w > wire + 1e-9]
        assert all(0.2 - 1e-9 <= w < 2.2 for w in delayed)
        assert 0.55 < len(delayed) / 300 < 0.78, "about 2/3 of replies are held back"


def test_unknown_method_names_the_valid_ones():
    async def body():
        net, js, (e,) = junk_world()
        await e.call("JunkServer.Handler2", 1)
    with pytest.raises(labrpc.SimulationError) as info:
        labrpc.run(body, seed=1)
    message = str(info.value)
    assert "unknown method 'Handler2' of JunkServer" in message and "'handler2'" in message
    with pytest.raises(labrpc.SimulationError, match="unknown service 'Junk'.*JunkServer"):
        labrpc.run(lambda: junk_world()[2][0].call("Junk.handler2", 1), seed=1)


def test_handler_exception_fails_the_run_naming_peer_and_rpc():
    class Broken:
        def get(self, args):
            raise KeyError("no such key")

    async def body():
        net = Network()
        with labrpc.Peer("S3").active():
            srv = Server()
        srv.add_service(Service(Broken()))
        net.add_server(3, srv)
        e = net.make_end("e")
        net.connect("e", 3)
        net.enable("e", True)
        await asyncio.sleep(2.5)
        await e.call("Broken.get", 1)
    with pytest.raises(labrpc.TaskCrashed, match=r"S3 at 2.505 s: handler Broken.get raised KeyError"):
        labrpc.run(body, seed=1)


def test_handler_runs_as_the_server_peer_and_dies_with_it():
    class Slow:
        def __init__(self):
            self.seen = []

        async def work(self, args):
            self.seen.append(labrpc.current_peer().name)
            await asyncio.sleep(5)
            self.seen.append("finished")
            return 1

    async def body():
        net = Network()
        peer = labrpc.Peer("S1")
        slow = Slow()
        srv = Server(peer=peer)
        srv.add_service(Service(slow))
        net.add_server(1, srv)
        e = net.make_end("e")
        net.connect("e", 1)
        net.enable("e", True)
        call = asyncio.ensure_future(e.call("Slow.work", None))
        await asyncio.sleep(1)
        peer.kill()
        assert await call is None
        await asyncio.sleep(10)
        return slow.seen
    assert labrpc.run(body, seed=1) == ["S1"]


def test_every_delivered_call_takes_latency_so_rpc_loops_advance_the_clock():
    @simulate("virtual")
    async def _():
        net, js, (e,) = junk_world()
        for i in range(1000):
            await e.call("JunkServer.handler2", i)
        assert abs(labrpc.now() - 1000 * RPC_LATENCY) < 1e-6


def test_cleanup_fails_later_calls_at_once():
    @simulate("virtual")
    async def _():
        net, js, (e,) = junk_world()
        net.cleanup()
        t0 = labrpc.now()
        assert await e.call("JunkServer.handler2", 1) is None and labrpc.now() == t0
        assert net.get_total_count() == 0
