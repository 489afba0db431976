"""Mutant: a server that believes it leads answers Get from its own data, without going through the log, so a
leader cut off in a minority serves stale reads."""
from kvraft import ERR_NO_KEY, ERR_WRONG_LEADER, OK, GetReply, KVServer
from kvraft import make_clerk  # noqa: F401  (the reference clerk)


class MinorityReads(KVServer):
    async def get(self, args):
        if not self.rf.get_state()[1]:
            return GetReply(ERR_WRONG_LEADER, "")
        return GetReply(OK, self.data[args.key]) if args.key in self.data else GetReply(ERR_NO_KEY, "")


start_kv_server = MinorityReads.start_kv_server
