"""Attack: start a program from make() (subprocess.run(["true"])). Expected: the run fails, naming the subprocess."""
import subprocess as _tamper_subprocess

_tamper_make = make


def make(peers, me, persister, apply_ch):
    _tamper_subprocess.run(["true"])
    return _tamper_make(peers, me, persister, apply_ch)
