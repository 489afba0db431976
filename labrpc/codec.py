"""The lab codec (our labgob): values to bytes and back, for every RPC and for persistence.

    encode(obj) -> bytes      raises EncodeError naming the field path of anything that is not data
    decode(data) -> obj       a deep copy: shares no reference with the encoded object
    register(cls) -> name     allow decoding instances of cls before any was encoded (e.g. after a restart
                              of the interpreter); classes are registered automatically when encoded

Data is: None, bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, set, frozenset, range,
enums, named tuples, dataclasses and plain objects whose attributes are data. Not data: functions, classes,
coroutines, tasks, futures, locks, queues, files, sockets, modules, and labrpc's runtime objects (Network,
ClientEnd, Server, Peer): they live in one peer's memory and cannot cross a network.

Built on pickle for speed, with two guards. Encoding routes every object that is not a builtin container
through `_Pickler.reducer_override`, which accepts only data. Decoding loads nothing but the rebuild helpers
below, a few safe builtins, and classes the encoder accepted, and rebuilds objects without calling their
__init__ / __setstate__: decoding never runs code chosen by the bytes.
"""

from __future__ import annotations

import builtins
import enum
import functools
import io
import pickle
import types

from labrpc.errors import DecodeError, EncodeError

_PROTOCOL = 5
_REFUSED_MODULES = ("asyncio", "_asyncio", "threading", "_thread", "socket", "io", "_io", "selectors", "concurrent",
                    "multiprocessing", "logging", "contextvars", "weakref", "ssl", "subprocess", "queue",
                    "labrpc.network", "labrpc.sim")
_CODE_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType,
               types.LambdaType, types.ModuleType, types.CodeType, types.FrameType, types.GeneratorType,
               types.CoroutineType, types.AsyncGeneratorType, types.TracebackType, type(len.__call__),
               staticmethod, classmethod, property)
_SAFE_BUILTIN_TYPES = (complex, range, slice, set, frozenset, bytearray)
_SAFE_BUILTINS = {t.__name__ for t in _SAFE_BUILTIN_TYPES}
# Subclasses of these are refused: a plain value of the base type carries the same data, with no class to trust.
_PLAIN_BASES = (list, dict, set, frozenset, bool, int, float, str, bytes)
# Classes travel by name. Decoding happens in the process that encoded (a deep copy, the persister of a peer
# that restarts), so a name always finds its class here; a local class defined again replaces the old one.
_registered: dict[str, type] = {}


def register(cls: type) -> str:
    name = f"{cls.__module__}:{cls.__qualname__}"
    old = _registered.get(name)
    if old is not None and old is not cls:
        # Another class of that name: its module was imported again (a student's package loaded in place of the
        # reference, in-process). Forget how the old one is encoded, so that its next object registers it again:
        # decoding must rebuild the class that was encoded, or a KV server's own op compares unequal to itself.
        _plans.pop(old, None)
        _plain_objects.pop(old, None)
    _registered[name] = cls
    return name


def _class_named(name: str) -> type:
    if name not in _registered:
        raise DecodeError(f"refusing to load class {name}: only data classes encoded in this process (or passed "
                          f"to labrpc.register) can be decoded")
    return _registered[name]


def _rebuild_tuple(class_name: str, items: tuple):
    return tuple.__new__(_class_named(class_name), items)


def _rebuild_plain(class_name: str):
    """The common case: an object whose attributes all live in its __dict__, and whose class has no __setstate__.
    Its state follows as a dict that pickle's BUILD stores into the new object's __dict__, in C."""
    return object.__new__(_class_named(class_name))


def _rebuild(class_name: str, state: dict | None, slots: dict | None):
    obj = object.__new__(_class_named(class_name))
    if state:
        obj.__dict__.update(state)
    for name, value in (slots or {}).items():
        object.__setattr__(obj, name, value)   # also works for frozen dataclasses
    return obj


def _enum_member(class_name: str, name: str):
    return _class_named(class_name)[name]


_HELPER_FUNCTIONS = (_rebuild, _rebuild_plain, _enum_member, _rebuild_tuple)
_HELPERS = {("labrpc.codec", f.__name__): f for f in _HELPER_FUNCTIONS}


def _a(name: str) -> str:
    """"a Lock", "an Event": the article that reads right before a type's name."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _refusal(obj) -> str | None:
    """Why obj is not data, or None if it may be encoded."""
    if isinstance(obj, _CODE_TYPES) or callable(obj) and not isinstance(obj, type) and not hasattr(obj, "__dict__"):
        kind = {types.CoroutineType: "a coroutine (did you forget an await?)",
                types.GeneratorType: "a generator", types.ModuleType: "a module"}.get(type(obj))
        return f"cannot encode {kind or _a(type(obj).__name__)} (send data, not code)"
    cls = obj if isinstance(obj, type) else type(obj)
    module = cls.__module__ or ""
    if any(module == m or module.startswith(m + ".") for m in _REFUSED_MODULES) or isinstance(obj, io.IOBase):
        return (f"cannot encode {_a(cls.__name__)} ({module}): it belongs to one peer's memory and cannot cross "
                f"the network or go into the persister; send plain values instead")
    if isinstance(obj, type):
        return f"cannot encode the class {cls.__name__} itself (send an instance, or a name)"
    # The builtins' and itertools' iterators; a class of the student's that is also an iterator has a __dict__ and
    # is encoded as the plain object it also is.
    if hasattr(cls, "__next__") and not hasattr(obj, "__dict__"):
        return (f"cannot encode an object of type {cls.__name__}: an iterator is not data; send a list of its items "
                f"instead (list(...))")
    if "__reduce__" in vars(cls) or "__reduce_ex__" in vars(cls):
        if module == "builtins":   # object(), Ellipsis, NotImplemented: builtins that hold no data
            return (f"cannot encode an object of type {cls.__name__}: it holds no data; send None, numbers, strings, "
                    f"bytes, containers of them, dataclasses or plain objects")
        if not isinstance(obj, enum.Enum):
            return (f"cannot encode an object of type {cls.__name__}: it customises pickling (__reduce__); use a "
                    f"dataclass or plain object")
    base = next((base for base in _PLAIN_BASES if isinstance(obj, base)), None)
    if base is not None and cls is not base and not isinstance(obj, enum.Enum):
        return (f"cannot encode an object of type {cls.__name__}, a subclass of {base.__name__}; convert it to a "
                f"plain {base.__name__} first")
    return None


@functools.lru_cache(maxsize=None)
def _slot_names(cls: type) -> tuple[str, ...]:
    """Found once per class: encoding is on the hot path of every RPC."""
    return tuple(name for klass in cls.__mro__ for name in klass.__dict__.get("__slots__", ())
                 if name not in ("__dict__", "__weakref__"))


def _state_of(obj) -> tuple[dict | None, dict | None]:
    slots = {name: getattr(obj, name) for name in _slot_names(type(obj)) if hasattr(obj, name)}
    return getattr(obj, "__dict__", None), slots or None


_plans: dict[type, tuple] = {}   # per class, decided once: how its instances are encoded (or why they are not)
# The classes of accepted objects whose whole state is their __dict__ (no __slots__, no __setstate__), to the
# arguments of _rebuild_plain: the pickler's hot path, one dict lookup per object (the log entries and RPC
# arguments of most labs). One tuple per class, so that the pickle memo writes it once.
_plain_objects: dict[type, tuple[str]] = {}


def _plan(obj) -> tuple:
    kind = type(obj)
    plan = _plans.get(kind)
    if plan is not None:
        return plan
    if kind in _SAFE_BUILTIN_TYPES or (kind is type and obj in _SAFE_BUILTIN_TYPES) \
            or (kind is types.FunctionType and obj in _HELPER_FUNCTIONS):
        return ("native",)                              # pickle's own reduction of these is safe
    reason = _refusal(obj)
    if reason is not None:
        plan = ("refuse", reason)
    elif isinstance(obj, enum.Enum):
        plan = ("enum", register(kind))
    elif isinstance(obj, tuple):                        # named tuples
        plan = ("tuple", register(kind))
    else:
        plan = ("object", register(kind))
        if not _slot_names(kind) and kind.__dictoffset__ and hasattr(obj, "__dict__") \
                and not hasattr(kind, "__setstate__"):
            _plain_objects[kind] = (plan[1],)
    if not isinstance(obj, (type, types.FunctionType)):   # for these the verdict depends on the object itself
        _plans[kind] = plan
    return plan


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj, _plain=_plain_objects.get, _type=type):
        # Called by the C pickler for every object that is not a builtin container, str, bytes or number: keep the
        # common case to one lookup (about 0.35 us per object, rather than 3 us; C pickle's own takes 0.6).
        name = _plain(_type(obj))
        if name is None:
            plan = _plan(obj)
            name = _plain(_type(obj))   # just planned: the first object of a class is encoded like the next ones
            if name is None:
                return _reduce(obj, plan)
        return _rebuild_plain, name, obj.__dict__


def _reduce(obj, plan: tuple):
    """What the pickler writes for an object that is not a plain one (see _plan), or EncodeError."""
    how = plan[0]
    if how == "object":
        state, slots = _state_of(obj)
        return _rebuild, (plan[1], state, slots)
    if how == "native":
        return NotImplemented
    if how == "refuse":
        raise EncodeError(plan[1])
    if how == "enum":
        return _enum_member, (plan[1], obj.name)
    return _rebuild_tuple, (plan[1], tuple(obj))


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _HELPERS:
            return _HELPERS[(module, name)]
        if module == "builtins" and name in _SAFE_BUILTINS:
            return getattr(builtins, name)
        raise DecodeError(f"refusing to load {module}.{name}: only data classes that were encoded in this "
                          f"process (or passed to labrpc.register) can be decoded")


# Idle picklers with their buffers: making one costs more than encoding a small RPC argument. A list, because pop and
# append are atomic: a nested or concurrent encode takes a pickler of its own. One that wrote more than _REUSE_LIMIT
# bytes is dropped: a pickler keeps its largest output buffer and memo table, and would allocate and clear them at
# every later encode, small or not (40 us).
_idle: list[tuple[_Pickler, io.BytesIO]] = []
_REUSE_LIMIT = 16 * 1024


def encode(obj) -> bytes:
    if _idle:
        pickler, buffer = _idle.pop()
    else:
        buffer = io.BytesIO()
        pickler = _Pickler(buffer, _PROTOCOL)
    try:
        pickler.dump(obj)
    except EncodeError:
        raise EncodeError(_find_bad_field(obj)) from None
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        raise EncodeError(f"{_find_bad_field(obj, str(exc))}") from None
    data = buffer.getvalue()
    if len(data) <= _REUSE_LIMIT:
        pickler.clear_memo()   # the memo holds the objects: keep none alive, share none with the next value
        buffer.seek(0)
        buffer.truncate()
        _idle.append((pickler, buffer))
    return data


def decode(data: bytes):
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"decode() needs bytes, got {type(data).__name__}")
    try:
        return _Unpickler(io.BytesIO(data)).load()
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(f"cannot decode {len(data)} bytes: {exc}") from None


def _find_bad_field(root, fallback: str = "cannot encode") -> str:
    """Walk the value again, in plain Python, to name the first field that is not data."""
    seen: set[int] = set()

    def walk(obj, path):
        if obj is None or type(obj) in (bool, int, float, str, bytes, complex, range, slice, bytearray):
            return None
        if id(obj) in seen:
            return None
        seen.add(id(obj))
        if type(obj) in (list, tuple):
            items = enumerate(obj)
        elif type(obj) is dict:
            for key, value in obj.items():
                found = walk(key, f"{path}{{key {key!r}}}") or walk(value, f"{path}[{key!r}]")
                if found:
                    return found
            return None
        elif type(obj) in (set, frozenset):
            items = ((f"<element>", v) for v in obj)
        else:
            reason = _refusal(obj)
            if reason is not None:
                return f"{path}: {reason}"
            if isinstance(obj, enum.Enum):
                return None
            if isinstance(obj, (tuple, list)):
                items = enumerate(obj)
            else:
                state, slots = _state_of(obj)
                for name, value in {**(state or {}), **(slots or {})}.items():
                    found = walk(value, f"{path}.{name}")
                    if found:
                        return found
                return None
        for index, value in items:
            found = walk(value, f"{path}[{index}]")
            if found:
                return found
        return None

    return walk(root, type(root).__name__) or f"{type(root).__name__}: {fallback}"
