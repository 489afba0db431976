"""Mutant: a handler waits for the entry at the index start() returned and replies with whatever the applier
found there, without checking that it is its own op. What guards it is a check of Raft's term every 100 ms
(TERM_CHECK_INTERVAL), as with a student's background loop that wakes the waiters of a term that ended. A leader
cut off alone keeps its term, and when the partition heals it learns the new term and applies the new leader's
entry at that index within a few round trips: if that falls between two checks, the clerk is told OK for an op
that never executed."""
import asyncio

import labrpc
from kvraft import KVServer, make_clerk  # noqa: F401  (the reference clerk)


class ReplyForAnyOp(KVServer):
    async def _wait_for_apply(self, index, term, op):
        applied = self._applied_future(index)
        deadline = labrpc.now() + self.APPLY_TIMEOUT
        while not applied.done():
            await asyncio.wait([applied], timeout=self.TERM_CHECK_INTERVAL)
            if not applied.done() and (self.dead or self.rf.get_state()[0] != term or labrpc.now() >= deadline):
                return None
        return applied.result()   # the bug: whatever op was applied at index, never compared with op


start_kv_server = ReplyForAnyOp.start_kv_server
