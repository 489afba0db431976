"""Your KV service (lab 3). The tester uses exactly this API:

make_clerk(servers) -> Clerk                        a client (client.py)
await Clerk.get(key) -> str / .put(key, value) / .append(key, value)
start_kv_server(servers, me, persister, maxraftstate) -> KVServer    a server and its Raft (server.py)
KVServer.rf, KVServer.kill()
KVServer.get(args) / KVServer.put_append(args) -> reply              your RPC handlers
OK, ERR_NO_KEY, ERR_WRONG_LEADER, GetArgs/GetReply, PutAppendArgs/PutAppendReply    RPC types (common.py)

Write client.py, server.py and common.py; `import raft` finds your own Raft (from lab 2), as in Go.
"""
from .client import Clerk, make_clerk, nrand
from .common import ERR_NO_KEY, ERR_WRONG_LEADER, OK, GetArgs, GetReply, PutAppendArgs, PutAppendReply
from .server import KVServer, Op, start_kv_server

__all__ = ["make_clerk", "Clerk", "nrand", "start_kv_server", "KVServer", "Op", "OK", "ERR_NO_KEY",
           "ERR_WRONG_LEADER", "GetArgs", "GetReply", "PutAppendArgs", "PutAppendReply"]
