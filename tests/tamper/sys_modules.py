"""Attack: without importing the tester, look through sys.modules for whatever the tester already loaded (a module
with a `T`, `run_test` or `TestFailure`) and disarm it: fatalf does nothing, run_test always reports a pass, and
a TestFailure has an empty message (which the tester reads as "no failure"). Isolated, there is nothing to find."""
import sys as _tamper_sys


def _tamper_forced_pass(run):
    def run_test(*args, **kwargs):
        result = run(*args, **kwargs)
        result.passed, result.message, result.unknown = True, "", False
        return result
    return run_test


for _tamper_module in list(_tamper_sys.modules.values()):
    _tamper_t = getattr(_tamper_module, "T", None)
    if isinstance(_tamper_t, type) and hasattr(_tamper_t, "fatalf"):
        _tamper_t.fatalf = lambda self, *args, **kwargs: None
    if callable(getattr(_tamper_module, "run_test", None)):
        _tamper_module.run_test = _tamper_forced_pass(_tamper_module.run_test)
    _tamper_failure = getattr(_tamper_module, "TestFailure", None)
    if isinstance(_tamper_failure, type) and issubclass(_tamper_failure, BaseException):
        _tamper_failure.__str__ = lambda self: ""
