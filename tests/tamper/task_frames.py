"""Attack: from make(), walk the frames of every asyncio task and the caller's own frames up the stack, looking for
the tester's locals `t` / `cfg` (objects with a fatalf), and make their fatalf do nothing, so that no check can
fail the test. Isolated, make() runs in another process: no tester frame is on any stack there."""
import asyncio as _tamper_asyncio
import sys as _tamper_sys


def _tamper_frames():
    for task in _tamper_asyncio.all_tasks():
        yield from task.get_stack()
    frame = _tamper_sys._getframe()
    while frame is not None:
        yield frame
        frame = frame.f_back


def _tamper_disarm():
    for frame in _tamper_frames():
        for name in ("t", "cfg"):
            obj = frame.f_locals.get(name)
            for target in (obj, getattr(obj, "t", None)):
                if callable(getattr(target, "fatalf", None)):
                    target.fatalf = lambda *args, **kwargs: None


_tamper_make = make


def make(peers, me, persister, apply_ch):
    _tamper_disarm()
    return _tamper_make(peers, me, persister, apply_ch)
