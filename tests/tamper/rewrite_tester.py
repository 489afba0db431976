"""Attack: find the tester's installed source without importing it (next to labrpc, which student code may import)
and append code to tester/testing.py and tester/run_one.py that makes every later run pass (fatalf does nothing,
run_test reports a pass). The OSError of a read-only mount must escape, so that the failure names it.

Safety: this is only ever run against a throwaway copy of raftlab, which the test marks with a file named
RAFTLAB_TAMPER_THROWAWAY; without that file next to the tester, nothing is written."""
import os as _tamper_os

import labrpc as _tamper_labrpc

_TAMPER_ROOT = _tamper_os.path.dirname(_tamper_os.path.dirname(_tamper_os.path.realpath(_tamper_labrpc.__file__)))
_TAMPER_PATCHES = {
    "testing.py": "\n\nT.fatalf = lambda self, *args, **kwargs: None\n",
    "run_one.py": ("\n\n_tampered_run_test = run_test\n\n\ndef run_test(*args, **kwargs):\n"
                   "    result = _tampered_run_test(*args, **kwargs)\n"
                   "    result.passed, result.message, result.unknown = True, '', False\n"
                   "    return result\n"),
}

if not _tamper_os.path.exists(_tamper_os.path.join(_TAMPER_ROOT, "RAFTLAB_TAMPER_THROWAWAY")):
    raise RuntimeError(f"tamper rewrite_tester: {_TAMPER_ROOT} is not a throwaway install; refusing to write")
for _tamper_name, _tamper_patch in _TAMPER_PATCHES.items():
    with open(_tamper_os.path.join(_TAMPER_ROOT, "tester", _tamper_name), "a+") as _tamper_file:
        _tamper_file.seek(0)
        if _tamper_patch not in _tamper_file.read():   # once is enough (twice would recurse)
            _tamper_file.write(_tamper_patch)
