"""What student code may not do on the student side, and the watchdog that reports a loop that never yields.

    install_guards(host)        from now on, starting threads or processes, opening sockets, sending signals,
                                time.sleep and reading the wall clock from student files fail the run, naming the call
    watchdog(host, limit, deadline, real_limit, main_thread)   a thread's body: report a loop turn longer than limit
                                real seconds (a busy loop), or a run past its real-time deadline, then exit
    real_monotonic(), real_sleep()   the clock and sleep as they were before the guards

The guards keep honest code deterministic and tell a student what went wrong; they are not the wall (the process
boundary is, and bubblewrap when installed): code that works around them only fools itself.
"""

from __future__ import annotations

import _thread
import asyncio
import os
import sys
import threading
import time

from labrpc import sim as simulation
from labrpc import wire
from labrpc.errors import MisuseError, student_stack_text

_LABRPC_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB_DIR = os.path.dirname(os.__file__)
_FRAMEWORK_DIRS = (_LABRPC_DIR + os.sep, _STDLIB_DIR + os.sep, "<frozen ")
# Frames a busy loop's stack leaves out: the framework's, and the student side's entry point (a `python -c` string).
_NOT_STUDENT_CODE = (*_FRAMEWORK_DIRS, "<string>")
real_monotonic = time.monotonic
real_sleep = time.sleep
FORBIDDEN_EVENTS = {
    "os.fork": "starting processes (os.fork)", "os.forkpty": "starting processes (os.forkpty)",
    "os.posix_spawn": "starting processes (os.posix_spawn)", "os.spawn": "starting processes (os.spawn*)",
    "os.exec": "replacing the process (os.exec*)", "os.system": "starting processes (os.system)",
    "subprocess.Popen": "starting processes (subprocess)", "socket.__new__": "opening sockets (socket.socket)",
    "os.kill": "sending signals (os.kill)", "os.killpg": "sending signals (os.killpg)",
    "signal.pthread_kill": "sending signals (signal.pthread_kill)",
    "socket.getaddrinfo": "looking up hosts (socket.getaddrinfo)",
    "socket.gethostbyname": "looking up hosts (socket.gethostbyname)",
}


def install_guards(host) -> None:
    def refuse(call: str) -> None:
        message = (f"{host.where(simulation.current_peer())}: {call} is not allowed on the student side: the "
                   f"simulation is one thread on one virtual clock, and a run must replay exactly from its seed")
        host.fail(message)
        raise MisuseError(message)

    def audit(event: str, args) -> None:
        if event in FORBIDDEN_EVENTS:
            refuse(FORBIDDEN_EVENTS[event])

    def no_threads(*args, **kwargs):
        refuse("starting threads (threading.Thread.start)")

    def no_sleep(seconds):
        refuse(f"time.sleep({seconds}) (use `await asyncio.sleep({seconds})`)")

    def wall_clock(name: str, real):
        def read():
            caller = sys._getframe(1).f_code.co_filename
            if not caller.startswith(_FRAMEWORK_DIRS):
                refuse(f"reading the wall clock (time.{name}(); use asyncio.get_running_loop().time())")
            return real()
        return read

    def no_debugger(*args, **kwargs):
        refuse("breakpoint() (the student side has no terminal: debug with --in-process, e.g. `raftlab replay "
               "TEST --seed N --impl DIR --in-process`)")

    sys.addaudithook(audit)
    sys.breakpointhook = no_debugger
    _thread.start_new_thread = _thread.start_new = threading._start_new_thread = no_threads
    time.sleep = no_sleep
    for name in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns"):
        setattr(time, name, wall_clock(name, getattr(time, name)))


def watchdog(host, limit: float, deadline: float | None, real_limit: float | None, main_thread: int) -> None:
    """A turn of the loop that lasts `limit` real seconds is a busy loop, and the run may not outlive `deadline` (the
    tester's clock: CLOCK_MONOTONIC is one for all processes): say which peer and task hold the loop, and where,
    then go. (The tester stops waiting a little later in any case: this is for the message.)"""
    while True:
        real_sleep(min(0.1, limit / 4))
        now = real_monotonic()
        timed_out = deadline is not None and now > deadline
        if not timed_out and (host.waiting or now - host.beat < limit):
            continue
        task = asyncio.tasks._current_tasks.get(host.sim.loop)
        peer = getattr(task, "peer", None) or host.calling
        stack = student_stack_text(sys._current_frames().get(main_thread), _NOT_STUDENT_CODE)
        if timed_out:
            kind, text = "timeout", (f"real time limit of {real_limit:g} s reached at virtual time "
                                     f"{host.sim.now():.3f} s; the student side was running "
                                     f"{'task ' + task.get_name() if task else 'a call'} of "
                                     f"{peer.name if peer else 'no peer'}:\n{stack}")
        else:
            kind, text = "busy", (f"busy loop: {host.where(peer)}: {'task ' + task.get_name() if task else 'a call'} "
                                  f"ran for {limit:g} s of real time without yielding. Every wait must be an `await` "
                                  f"(asyncio.sleep, a queue, an event).\nWhere it was:\n{stack}")
        try:
            wire.send_frame(host.report_fd, (kind, text))
        finally:
            os._exit(3)
