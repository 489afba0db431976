"""Attack: make() starts a background task that sleeps 0.1 s, then calls os._exit(0) in the middle of the test.
Expected: a failed run (the student side exited), never a pass."""
import asyncio as _tamper_asyncio
import os as _tamper_os

_tamper_make = make


async def _tamper_exit_later():
    await _tamper_asyncio.sleep(0.1)
    _tamper_os._exit(0)


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    rf.tamper_task = _tamper_asyncio.create_task(_tamper_exit_later())
    return rf
