"""Mutant: the KV server has no duplicate detection, so a Put/Append re-sent after a lost reply is applied twice."""
from kvraft import KVServer, make_clerk  # noqa: F401  (the reference clerk)


class NoDupDetection(KVServer):
    def _is_duplicate(self, op):
        return False


start_kv_server = NoDupDetection.start_kv_server
