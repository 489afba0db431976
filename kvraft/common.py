"""What the clerk and the servers say to each other (Go common.go).

OK, ERR_NO_KEY, ERR_WRONG_LEADER                   the Err values of a reply
PUT, APPEND                                        the op of a PutAppendArgs (GET: a Get, in the server's log)
GetArgs(key, client_id, seq) -> GetReply(err, value)
PutAppendArgs(key, value, op, client_id, seq) -> PutAppendReply(err)

(client_id, seq) names one clerk operation: a clerk numbers its operations 1, 2, 3... and sends every retry of one
operation with the same seq, so the servers can apply each Put/Append exactly once.
"""
from __future__ import annotations

from dataclasses import dataclass

OK = "OK"
ERR_NO_KEY = "ErrNoKey"
ERR_WRONG_LEADER = "ErrWrongLeader"

GET, PUT, APPEND = "Get", "Put", "Append"


@dataclass
class PutAppendArgs:
    key: str
    value: str
    op: str          # PUT or APPEND
    client_id: int
    seq: int


@dataclass
class PutAppendReply:
    err: str = OK


@dataclass
class GetArgs:
    key: str
    client_id: int
    seq: int


@dataclass
class GetReply:
    err: str = OK
    value: str = ""
