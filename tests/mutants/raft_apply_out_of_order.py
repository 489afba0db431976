"""Mutant: the applier sends the newest committed entry first, skipping the ones committed together with it."""
from labrpc import ApplyMsg
from raft import Raft


class ApplyOutOfOrder(Raft):
    def _next_apply_msg(self):
        if self.log.snapshot_index <= self.last_applied < self.commit_index:
            index = self.commit_index
            return ApplyMsg(command_valid=True, command=self.log.command_at(index), command_index=index)
        return super()._next_apply_msg()


make = ApplyOutOfOrder.make
