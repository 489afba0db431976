"""labrpc speed (Go's TestBenchmark, as a benchmark): prints `name: value` lines.

    sequential_rpc_us     CPU microseconds per round trip, 100,000 sequential calls, virtual time
    concurrent_rpc_per_s  calls completed per CPU second with 100 concurrent callers (virtual time)
    load_average_before / _after
Each figure is the median of --repeat runs (default 3).

Usage: python benchmarks/labrpc_bench.py [--calls N] [--repeat R]
"""

import argparse
import asyncio
import time

import labrpc
from measure import median_of, print_load, repeat_option


class Bench:
    def handler2(self, args: int) -> str:
        return f"handler2-{args}"


def _world(n_ends: int):
    net = labrpc.Network()
    with labrpc.Peer("S0").active():
        srv = labrpc.Server()
    srv.add_service(labrpc.Service(Bench()))
    net.add_server(0, srv)
    ends = []
    for i in range(n_ends):
        end = net.make_end(f"end-{i}")
        net.connect(end.name, 0)
        net.enable(end.name, True)
        ends.append(end)
    return net, ends


def sequential(calls: int) -> float:
    async def body():
        net, (end,) = _world(1)
        started = time.process_time()
        for i in range(calls):
            await end.call("Bench.handler2", 111)
        return time.process_time() - started
    return labrpc.run(body, seed=1) / calls * 1e6


def concurrent(calls: int, callers: int = 100) -> float:
    async def body():
        net, ends = _world(callers)

        async def caller(end):
            for _ in range(calls // callers):
                await end.call("Bench.handler2", 111)
        started = time.process_time()
        await asyncio.gather(*(caller(e) for e in ends))
        return net.get_total_count() / (time.process_time() - started)
    return labrpc.run(body, seed=1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    repeat_option(parser)
    options = parser.parse_args()
    print_load("before")
    print(f"sequential_rpc_us: {median_of(lambda: sequential(options.calls), options.repeat):.2f}", flush=True)
    print(f"concurrent_rpc_per_s: {median_of(lambda: concurrent(options.calls), options.repeat):.0f}", flush=True)
    print_load("after")
