"""Attack: a busy loop on the peers in _TAMPER_SPINNING (set before this snippet: one peer, two, or all): make()
starts a task that yields once (0.05 s), then spins forever without ever awaiting again, so the student side never
comes back to the lockstep. Expected: stopped after the busy limit (RAFTLAB_BUSY_LIMIT real seconds) and reported
as a busy loop, in bounded time."""
import asyncio as _tamper_asyncio

_tamper_make = make


async def _tamper_spin():
    await _tamper_asyncio.sleep(0.05)
    while True:
        pass


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    if me in _TAMPER_SPINNING:
        rf.tamper_task = _tamper_asyncio.create_task(_tamper_spin())
    return rf
