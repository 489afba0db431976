"""The reference KV service (the course staff's lab 3 solution), used to validate the tester. API, as in Go:

make_clerk(servers) -> Clerk                        a client (client.py)
await Clerk.get(key) -> str / .put(key, value) / .append(key, value)
start_kv_server(servers, me, persister, maxraftstate) -> KVServer    a server and its Raft (server.py)
KVServer.rf, KVServer.kill()
KVServer.get(args) / KVServer.put_append(args) -> reply              RPC handlers ("KVServer.get", ...)
OK, ERR_NO_KEY, ERR_WRONG_LEADER, GetArgs/GetReply, PutAppendArgs/PutAppendReply    RPC types (common.py)
"""
from .client import Clerk, make_clerk
from .common import (ERR_NO_KEY, ERR_WRONG_LEADER, OK, GetArgs, GetReply, PutAppendArgs, PutAppendReply)
from .server import KVServer, Op, start_kv_server

__all__ = ["make_clerk", "Clerk", "start_kv_server", "KVServer", "Op", "OK", "ERR_NO_KEY", "ERR_WRONG_LEADER",
           "GetArgs", "GetReply", "PutAppendArgs", "PutAppendReply"]
