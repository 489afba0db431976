"""Mutant: every fifth command is sent on apply_ch twice (lastApplied advanced only after a second look at the log,
a classic race of an applier that unlocks around the send). Go's appliers accept it: the repeated command is the
same value at the same index, and the index before it was applied."""
from raft import Raft


class ApplyTwice(Raft):
    _again = None

    def _next_apply_msg(self):
        if self._again is not None:
            msg, self._again = self._again, None
            return msg
        msg = super()._next_apply_msg()
        if msg is not None and msg.command_valid and msg.command_index % 5 == 0:
            self._again = msg
        return msg


make = ApplyTwice.make
