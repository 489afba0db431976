"""What the naive clerk and servers say to each other: Go's common.go with dataclasses."""
from __future__ import annotations

from dataclasses import dataclass

OK = "OK"
ERR_NO_KEY = "ErrNoKey"
ERR_WRONG_LEADER = "ErrWrongLeader"


@dataclass
class PutAppendArgs:
    key: str
    value: str
    op: str
    client_id: int = 0
    seq: int = 0


@dataclass
class PutAppendReply:
    err: str = OK


@dataclass
class GetArgs:
    key: str
    client_id: int = 0
    seq: int = 0


@dataclass
class GetReply:
    err: str = OK
    value: str = ""
