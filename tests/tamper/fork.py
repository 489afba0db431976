"""Attack: os.fork() from make(): a second copy of the student side (the child leaves at once with os._exit(0)
if it ever runs). Expected: the run fails, naming fork."""
import os as _tamper_os

_tamper_make = make


def make(peers, me, persister, apply_ch):
    if _tamper_os.fork() == 0:
        _tamper_os._exit(0)
    return _tamper_make(peers, me, persister, apply_ch)
