"""Attack: an RPC handler that calls os._exit(0). make() starts a task that sends Raft.request_vote to the next
peer, so the exit happens inside the network's dispatch of a handler. Expected: a failed run."""
import asyncio as _tamper_asyncio
import os as _tamper_os

_tamper_make = make


def _tamper_exiting_handler(self, args):
    _tamper_os._exit(0)


Raft.request_vote = _tamper_exiting_handler


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    target = peers[(me + 1) % len(peers)]
    rf.tamper_task = _tamper_asyncio.create_task(target.call("Raft.request_vote", RequestVoteArgs()))
    return rf
