"""Attack: flood the output. make() starts a task that writes 1 MB strings to sys.stdout forever, yielding with
asyncio.sleep(0) between writes (so it is no busy loop, and virtual time never moves). Expected: the run fails once
its output passes the limit (RAFTLAB_OUTPUT_LIMIT bytes), in bounded time."""
import asyncio as _tamper_asyncio
import sys as _tamper_sys

_tamper_make = make


async def _tamper_flood():
    chunk = "x" * (1 << 20) + "\n"
    while True:
        _tamper_sys.stdout.write(chunk)
        await _tamper_asyncio.sleep(0)


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    rf.tamper_task = _tamper_asyncio.create_task(_tamper_flood())
    return rf
