"""The student side's sandbox: bubblewrap (Debian package `bubblewrap`), when it is installed and works here.

    sandbox_mode() -> "bwrap" | "none"     RAFTLAB_SANDBOX=auto (default) | bwrap (required) | none; auto uses bwrap
                                           when a trial run succeeds, once per process
    SandboxUnavailable                     RAFTLAB_SANDBOX=bwrap, but bwrap is missing or cannot run here
    bwrap_argv(argv, readable, hidden, scratch) -> argv   argv run inside the sandbox:
        the system (/usr, /lib*, /bin, the two files of /etc Python needs, the Python installation) read-only;
        `hidden` folders (the tester's own install) replaced by empty ones; `readable` folders (the submission,
        labrpc, the reference) read-only at their own paths; an empty private writable folder `scratch` as the
        working directory; its own /tmp, /proc and /dev; RAM disks of SCRATCH_BYTES each and nothing else
        writable (the root and the hidden folders are read-only); no network; its own
        PID, IPC and UTS namespaces; no capabilities; it dies with its parent.
    warn_once(printer)                     say once per process that the student side runs unsandboxed

Without bubblewrap the student side still runs in a process of its own (its memory, exit status and loops cannot
reach the verdict), but it can read and write every file the user can.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")   # all of /etc that Python needs (not /etc/shadow...)
SCRATCH_BYTES = 256 * 1024 * 1024   # each RAM disk (/tmp, the scratch folder, /dev/shm): memory the cap misses
_warned = False


class SandboxUnavailable(Exception):
    """RAFTLAB_SANDBOX=bwrap was asked for and bubblewrap cannot run here."""


@functools.lru_cache(maxsize=None)
def _bwrap_works() -> tuple[bool, str]:
    path = shutil.which("bwrap")
    if path is None:
        return False, "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        trial = subprocess.run(bwrap_argv([sys.executable, "-S", "-c", "pass"], [], [], "/scratch"),
                               capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bwrap failed to start: {exc}"
    if trial.returncode != 0:
        return False, f"bwrap cannot run here: {trial.stderr.decode(errors='replace').strip()[:300]}"
    return True, ""


def sandbox_mode() -> str:
    wanted = os.environ.get("RAFTLAB_SANDBOX", "auto")
    if wanted not in ("auto", "bwrap", "none"):
        raise SandboxUnavailable(f"RAFTLAB_SANDBOX={wanted!r}: use auto, bwrap or none")
    if wanted == "none":
        return "none"
    works, why = _bwrap_works()
    if works:
        return "bwrap"
    if wanted == "bwrap":
        raise SandboxUnavailable(f"RAFTLAB_SANDBOX=bwrap: {why}")
    return "none"


def unsandboxed_reason() -> str:
    if os.environ.get("RAFTLAB_SANDBOX") == "none":
        return "RAFTLAB_SANDBOX=none"
    return _bwrap_works()[1]


def warn_once(printer) -> None:
    """Tell the user once per process that student code runs without the sandbox, and why."""
    global _warned
    if not _warned and sandbox_mode() == "none":
        _warned = True
        remedy = "unset RAFTLAB_SANDBOX to use it" if os.environ.get("RAFTLAB_SANDBOX") == "none" else \
            "install bubblewrap (apt-get install bubblewrap) for the sandbox"
        printer(f"note: student code runs in a process of its own, but unsandboxed ({unsandboxed_reason()}): it "
                f"can read and write your files; {remedy}")


def _python_dirs() -> list[str]:
    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix,
            os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(d for d in dirs if not d.startswith(tuple(p + "/" for p in SYSTEM_DIRS)))


def _inside(path: str, folders) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def bwrap_argv(argv: list[str], readable: list[str], hidden: list[str], scratch: str) -> list[str]:
    # Mounts apply in order: the fresh /tmp first, so that a Python (a virtual environment) under /tmp is bound
    # on top of it, not hidden by it.
    size = ["--size", str(SCRATCH_BYTES)]
    words = ["bwrap", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", *size, "--tmpfs", "/tmp"]
    bound = []
    for folder in (*SYSTEM_DIRS, *SYSTEM_FILES, *_python_dirs()):
        words += ["--ro-bind-try", folder, folder]
        bound.append(folder)
    words += ["--proc", "/proc", "--dev", "/dev", *size, "--tmpfs", "/dev/shm"]
    for folder in hidden:   # the tester's install, where it lies inside what is bound above
        if _inside(folder, bound):
            words += ["--tmpfs", folder, "--remount-ro", folder]
    for folder in readable:
        words += ["--ro-bind", folder, folder]
    words += [*size, "--tmpfs", scratch, "--chdir", scratch]
    # The root itself is a RAM disk without a size: read-only, so that memory is written only where it is capped.
    return words + ["--remount-ro", "/"] + argv
