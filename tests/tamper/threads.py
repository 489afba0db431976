"""Attack: make() starts a real thread that keeps changing module state behind the event loop's back (outside the
virtual clock, so runs no longer replay). Expected: the run fails, naming the thread."""
import threading as _tamper_threading
import time as _tamper_time

_tamper_make = make
_tamper_counter = 0


def _tamper_mutate():
    global _tamper_counter
    while True:
        _tamper_counter += 1
        _tamper_time.sleep(0.001)


def make(peers, me, persister, apply_ch):
    _tamper_threading.Thread(target=_tamper_mutate, daemon=True).start()
    return _tamper_make(peers, me, persister, apply_ch)
