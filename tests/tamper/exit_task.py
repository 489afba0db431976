"""Attack: make() starts a background task that sleeps 0.1 s, then leaves through _tamper_exit (set before this
snippet: sys.exit or os._exit) in the middle of the test; asyncio lets SystemExit escape run_until_complete.
Expected: a failed run that says the student side exited (os._exit) or raised SystemExit (sys.exit)."""
import asyncio as _tamper_asyncio

_tamper_make = make


async def _tamper_exit_later():
    await _tamper_asyncio.sleep(0.1)
    _tamper_exit(0)


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    rf.tamper_task = _tamper_asyncio.create_task(_tamper_exit_later())
    return rf
