"""What your clerk and your servers say to each other (Go common.go).

OK, ERR_NO_KEY, ERR_WRONG_LEADER             the Err values a reply carries
GetArgs(key) -> GetReply(err, value)
PutAppendArgs(key, value, op) -> PutAppendReply(err)       op is "Put" or "Append"

You will have to add fields to the arguments (for example to tell a retry from a new request). Every argument and
reply is copied through the lab codec (labrpc.encode / labrpc.decode): use plain data (ints, strings, lists,
dicts, dataclasses), never a reference to a Clerk, a KVServer or a task. Give new fields default values, so that
the calls below keep working as you add them.
"""
from __future__ import annotations

from dataclasses import dataclass

OK = "OK"
ERR_NO_KEY = "ErrNoKey"
ERR_WRONG_LEADER = "ErrWrongLeader"


@dataclass
class PutAppendArgs:
    """Put or Append. TODO (3A): you'll have to add definitions here."""
    key: str
    value: str
    op: str          # "Put" or "Append"


@dataclass
class PutAppendReply:
    err: str = OK


@dataclass
class GetArgs:
    """TODO (3A): you'll have to add definitions here."""
    key: str


@dataclass
class GetReply:
    err: str = OK
    value: str = ""
