"""Where student code runs, as the harness sees it: one interface, two places.

    open_students(impl, *, in_process=False, hash_seed=None, log_topics=None, sink=None) -> students
        impl: None (the reference), a folder, a dotted module name (a mutant), or a tester.impl.Impl
        in_process: run student code in this process (debugging: pdb, profilers); an Impl with modules already in
        memory (the harness's own tests' fakes) always runs here. Otherwise: a process of its own
        (IsolatedStudents), sandboxed with bubblewrap when it works here (tester.students.sandbox).
        log_topics: None (student logs off), [] (all topics) or a list; sink(text) receives the student side's
        output (print, logging) as it comes; it is always kept in a bounded tail for failure messages.
    students.attach()                                  inside the world, before the test body
    students.new_peer(name) -> Peer                    a peer incarnation ("S0", "C3"); peer.kill() kills it there too
    students.make_raft(peer, ends, me, persister) -> (RaftHandle, apply_ch, Server)   Go's Make, as peer
    students.start_kv_server(peer, ends, me, persister, maxraftstate) -> (KVServerHandle, RaftHandle, Server)
    students.make_clerk(peer, ends) -> ClerkHandle
    students.close()                                   stop the student side (after the world ended)
    students.mode                                      "isolated" or "in-process"
    check_impl(impl, roles, in_process=False)          import the implementation once, up front, where it will run
                                                       (roles: "raft", "kvraft"); ImplError with the student's
                                                       file, line and error if it does not import

apply_ch has `await get()`; the Server goes to net.add_server. Handles: tester.raft_config.RaftHandle,
tester.kv_config.ClerkHandle and KVServerHandle.
"""

from __future__ import annotations

import os

from tester.impl import Impl, ImplError, load_impl, package_exists, require_package, resolve_impl


def open_students(impl=None, *, in_process: bool = False, hash_seed: str | None = None, log_topics=None,
                  sink=None):
    from tester.students.in_process import InProcessStudents
    from tester.students.isolated import IsolatedStudents
    if in_process or isinstance(impl, Impl):
        return InProcessStudents(load_impl(impl))
    return IsolatedStudents(resolve_impl(impl), hash_seed=hash_seed, log_topics=log_topics, sink=sink)


def check_impl(impl, roles, in_process: bool = False) -> None:
    root = os.path.abspath(impl) if isinstance(impl, str) and os.path.isdir(impl) else None
    if root is not None and any(package_exists(root, p) for p in ("raft", "kvraft")):   # a lab folder
        for role in sorted(roles):
            require_package(root, role, impl)   # which package it lacks, before a student side starts
    if in_process or isinstance(impl, Impl):
        loaded = load_impl(impl)
        for role in roles:
            getattr(loaded, role)
        return
    from tester.students.isolated import IsolatedStudents
    from tester.students.sandbox import SandboxUnavailable
    try:
        students = IsolatedStudents(resolve_impl(impl))
    except SandboxUnavailable as exc:
        raise ImplError(str(exc)) from None
    try:
        students.probe(sorted(roles))
    finally:
        students.close()
