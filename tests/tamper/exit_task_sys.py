"""Attack: make() starts a background task that sleeps 0.1 s, then raises SystemExit(0) from inside the event loop,
in the middle of the test (asyncio lets SystemExit escape run_until_complete). Expected: a failed run."""
import asyncio as _tamper_asyncio
import sys as _tamper_sys

_tamper_make = make


async def _tamper_exit_later():
    await _tamper_asyncio.sleep(0.1)
    _tamper_sys.exit(0)


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    rf.tamper_task = _tamper_asyncio.create_task(_tamper_exit_later())
    return rf
