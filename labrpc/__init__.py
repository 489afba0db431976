"""labrpc: the runtime of the raftlab labs. Student code imports only this package (and the standard library).

    run(main, *, seed, clock="virtual"|"real", time_limit=None, ...) -> result   one simulated world (labrpc.sim)
    now(), random_stream(name), Peer(name), current_peer()                      time, randomness, peers
    Network, Server, Service, ClientEnd                                        the fake network (labrpc.network)
    encode(obj) -> bytes, decode(data) -> obj, register(cls)                   the codec (labrpc.codec)
    Persister, ApplyMsg                                                        stable storage (labrpc.persister)
    dlog(topic, fmt, *args), enable_logging(...), SimContextFilter             logs (labrpc.logs)
    SimulationError, DeadlockError, BusyLoopError, TimeLimitExceeded, MisuseError, TaskCrashed,
    EncodeError, DecodeError                                                   errors (labrpc.errors)
"""

from labrpc.codec import decode, encode, register
from labrpc.errors import (BusyLoopError, DeadlockError, DecodeError, EncodeError, MisuseError, SimulationError,
                           TaskCrashed, TimeLimitExceeded)
from labrpc.logs import LOG_FORMAT, SimContextFilter, disable_logging, dlog, enable_logging
from labrpc.network import ClientEnd, Network, Server, Service
from labrpc.persister import ApplyMsg, Persister
from labrpc.sim import Peer, current_peer, current_simulation, now, random_stream, run

__all__ = ["run", "now", "random_stream", "Peer", "current_peer", "current_simulation", "Network", "Server",
           "Service", "ClientEnd", "encode", "decode", "register", "Persister", "ApplyMsg", "dlog",
           "enable_logging", "disable_logging", "SimContextFilter", "LOG_FORMAT", "SimulationError",
           "DeadlockError", "BusyLoopError", "TimeLimitExceeded", "MisuseError", "TaskCrashed", "EncodeError",
           "DecodeError"]
