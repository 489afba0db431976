"""Attack: an RPC handler that leaves through _tamper_exit (set before this snippet: sys.exit or os._exit). make()
starts a task that sends Raft.request_vote to the next peer, so the exit happens inside the dispatch of a handler.
Expected: a failed run that says the student side exited or raised SystemExit."""
import asyncio as _tamper_asyncio

_tamper_make = make


def _tamper_exiting_handler(self, args):
    _tamper_exit(0)


Raft.request_vote = _tamper_exiting_handler


def make(peers, me, persister, apply_ch):
    rf = _tamper_make(peers, me, persister, apply_ch)
    target = peers[(me + 1) % len(peers)]
    rf.tamper_task = _tamper_asyncio.create_task(target.call("Raft.request_vote", RequestVoteArgs()))
    return rf
