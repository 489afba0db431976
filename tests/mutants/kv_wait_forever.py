"""Mutant: a handler waits for its own op to be applied at its index, with no timeout and no term check; when a
new leader put another entry at that index, it waits forever, and so does its clerk."""
from kvraft import KVServer, make_clerk  # noqa: F401  (the reference clerk)


class WaitForever(KVServer):
    async def _wait_for_apply(self, index, term, op):
        while True:
            applied = await self._applied_future(index)
            if applied is not None and applied.op == op:
                return applied


start_kv_server = WaitForever.start_kv_server
