"""A plain student KV service (benchmark subject) on the naive Raft.

make_clerk(servers) -> Clerk; await Clerk.get(key) / put(key, value) / append(key, value)
start_kv_server(servers, me, persister, maxraftstate) -> KVServer
"""
from .client import Clerk, make_clerk
from .server import KVServer, start_kv_server

__all__ = ["make_clerk", "Clerk", "start_kv_server", "KVServer"]
