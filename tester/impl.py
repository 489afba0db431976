"""Which Raft / KV implementation a test run uses.

    load_impl(spec=None) -> Impl
        None         the reference packages `raft` and `kvraft` shipped with raftlab
        "DIR"        an existing directory holding `raft/` (and, for lab 3, `kvraft/`): DIR goes first on sys.path
                     so that the student's kvraft imports the student's raft, as in Go
        "a.b.c"      a dotted module name (a mutant): used as the raft implementation if it has `make`, as the
                     kvraft one if it has `start_kv_server`; the reference for whatever it does not provide
        an Impl      returned as is
    impl.raft, impl.kvraft       the modules, imported on first use (a raft-only directory is fine for lab 2)
    impl.spec, impl.label        what was asked for; a short description for messages
    ImplError                    a clear message: missing directory, missing package, missing make()...

    trusted_boot(module) -> str      `python -c` code running module.main() from raftlab's own folder (not the
                                     current one)
    resolve_impl(spec=None) -> ImplSource
        the same specs, found WITHOUT importing anything of them: what the student side (tester.students) needs to
        import the implementation in a process of its own. .links: top-level packages it may import besides the
        submission (labrpc, the reference raft/kvraft, a mutant's package); .root: the submission folder (or
        None); .either: a dotted module that may provide raft or kvraft (or None); .label; .reference_root

One process imports one `raft` at a time: switching implementation purges the cached `raft*` / `kvraft*`
modules, and removes from sys.path the directories this module put there.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass, field
from types import ModuleType

# The reference packages live next to the tester package (in the source tree and when installed).
REFERENCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGES = ("raft", "kvraft")
_REQUIRED = {"raft": "make", "kvraft": "start_kv_server"}
_inserted_paths: list[str] = []   # the directories we put on sys.path, so the next switch can take them off


class ImplError(Exception):
    """The implementation to test cannot be found or imported."""


class Impl:
    def __init__(self, spec: str | None, root: str | None = None, modules: dict[str, ModuleType] | None = None):
        self.spec = spec
        self._root = root                       # the directory whose raft/ and kvraft/ we import
        self._modules = dict(modules or {})     # imported (or given) implementations, by package name

    @property
    def label(self) -> str:
        return "reference" if self.spec is None else str(self.spec)

    @property
    def raft(self) -> ModuleType:
        return self._get("raft")

    @property
    def kvraft(self) -> ModuleType:
        return self._get("kvraft")

    def _get(self, package: str) -> ModuleType:
        if package not in self._modules:
            self._modules[package] = _import_package(package, self._root, self.label)
        return self._modules[package]


@dataclass(frozen=True)
class ImplSource:
    """Where an implementation lives, for the student side: see resolve_impl."""
    spec: str | None
    root: str | None
    either: str | None = None
    links: dict = field(default_factory=dict)
    reference_root: str = REFERENCE_ROOT

    @property
    def label(self) -> str:
        return "reference" if self.spec is None else str(self.spec)


def trusted_boot(module: str) -> str:
    """The `python -c` code that runs module's main() with raftlab's own folder first on sys.path: `python -m` would
    put the current folder there, and a submission's own `tester/` package would be imported instead."""
    return f"import sys; sys.path[0] = {REFERENCE_ROOT!r}; from {module} import main; main()"


def resolve_impl(spec=None) -> ImplSource:
    labrpc_link = {"labrpc": os.path.join(REFERENCE_ROOT, "labrpc")}
    reference = {p: os.path.join(REFERENCE_ROOT, p) for p in _PACKAGES}
    if spec is None:
        return ImplSource(None, None, links={**labrpc_link, **reference})
    spec = str(spec)
    if os.path.isdir(spec):
        root = os.path.abspath(spec)
        if os.path.basename(root) in _PACKAGES and os.path.isfile(os.path.join(root, "__init__.py")):
            raise ImplError(f"--impl {spec}: that is the {os.path.basename(root)}/ package itself; pass the folder "
                            f"that holds raft/: --impl {os.path.dirname(root)}")
        if not any(package_exists(root, p) for p in _PACKAGES):
            raise ImplError(f"--impl {spec}: {root} holds neither raft/ nor kvraft/ (expected {root}/raft/__init__.py)")
        return ImplSource(spec, root, links=labrpc_link)
    if os.sep in spec or spec.startswith(".") or not all(part.isidentifier() for part in spec.split(".")):
        raise ImplError(f"--impl {spec}: no such directory (give a directory holding raft/, or a dotted module name)")
    top, *rest = spec.split(".")
    found = importlib.util.find_spec(top)   # finds the top-level package without importing it
    folders = list(found.submodule_search_locations or []) if found is not None else []
    if top in ("tester", *_PACKAGES, "labrpc") or not folders or not (
            os.path.isfile(os.path.join(folders[0], *rest) + ".py")
            or os.path.isfile(os.path.join(folders[0], *rest, "__init__.py"))):
        raise ImplError(f"--impl {spec}: no such directory or module (a dotted name must name a module inside a "
                        f"package, e.g. tests.mutants.raft_slow_election)")
    return ImplSource(spec, None, either=spec, links={**labrpc_link, **reference, top: folders[0]})


def load_impl(spec=None) -> Impl:
    if isinstance(spec, Impl):
        return spec
    if spec is None:
        return Impl(None, REFERENCE_ROOT)
    spec = str(spec)
    if os.path.isdir(spec):
        root = os.path.abspath(spec)
        if not any(package_exists(root, p) for p in _PACKAGES):
            raise ImplError(f"--impl {spec}: {root} holds neither raft/ nor kvraft/ (expected {root}/raft/__init__.py)")
        return Impl(spec, root)
    if os.sep in spec or spec.startswith(".") or not all(part.isidentifier() for part in spec.split(".")):
        raise ImplError(f"--impl {spec}: no such directory (give a directory holding raft/, or a dotted module name)")
    _activate(REFERENCE_ROOT)   # a mutant builds on the reference raft, not on a student's left in the cache
    module = _import_module(spec)
    provided = {p: module for p, fn in _REQUIRED.items() if callable(getattr(module, fn, None))}
    if not provided:
        raise ImplError(f"--impl {spec}: module {module.__name__} ({module.__file__}) defines neither make() (a raft "
                        f"implementation) nor start_kv_server() (a kvraft implementation)")
    return Impl(spec, REFERENCE_ROOT, provided)


_NEEDED_BY = {"raft": "lab 2 and part 2X", "kvraft": "lab 3 and part 3X"}


def require_package(root: str, package: str, label: str) -> None:
    """ImplError naming what is missing when folder root holds no `package` ("raft" or "kvraft")."""
    if not package_exists(root, package):
        raise ImplError(f"--impl {label}: it has no {package}/ folder ({root}/{package}/__init__.py), which the "
                        f"chosen tests need ({_NEEDED_BY[package]}); `raftlab init` writes the templates")


def package_exists(root: str, package: str) -> bool:
    """Whether folder root holds the package (package/__init__.py) or module (package.py) of that name."""
    return os.path.isfile(os.path.join(root, package, "__init__.py")) or \
        os.path.isfile(os.path.join(root, package + ".py"))


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if getattr(exc, "name", None) and name.startswith(exc.name):
            raise ImplError(f"--impl {name}: no such directory or module ({exc})") from None
        raise ImplError(f"--impl {name}: importing it failed:\n{_short_traceback(exc)}") from None
    except Exception as exc:
        raise ImplError(f"--impl {name}: importing it failed:\n{_short_traceback(exc)}") from None


def _import_package(package: str, root: str, label: str) -> ModuleType:
    """Import `package` from root, first making sure no other implementation's modules are cached."""
    require_package(root, package, label)
    _activate(root)
    try:
        module = importlib.import_module(package)
    except Exception as exc:
        raise ImplError(f"--impl {label}: importing {package} from {root} failed:\n{_short_traceback(exc)}") from None
    origin = os.path.abspath(getattr(module, "__file__", "") or "")
    if not _comes_from(module, root):
        raise ImplError(f"--impl {label}: `import {package}` found {origin}, not the one in {root}")
    required = _REQUIRED[package]
    if not callable(getattr(module, required, None)):
        raise ImplError(f"--impl {label}: {package} ({origin}) has no {required}() function")
    return module


def _activate(root: str) -> None:
    """Put root first on sys.path (removing directories we added before) and forget cached modules that came
    from elsewhere, so that `import raft` and kvraft's own `import raft` both find root's."""
    for path in _inserted_paths:
        if path in sys.path:
            sys.path.remove(path)   # the occurrence we put first (another may have been there before)
    _inserted_paths.clear()
    if sys.path[:1] != [root]:
        # First, the reference's folder too: a folder someone else left on sys.path may hold a raft/ of its own.
        sys.path.insert(0, root)
        _inserted_paths.append(root)
    ours = [name for name in sys.modules if name.split(".")[0] in _PACKAGES]
    if any(not _comes_from(sys.modules[name], root) for name in ours):
        # All of them, root's too: a module of root's imported while another implementation was cached holds that
        # one in its bindings (the reference kvraft's `import raft` bound to a student's raft), and would run it.
        for name in ours:
            del sys.modules[name]
    importlib.invalidate_caches()


def _comes_from(module: ModuleType, root: str) -> bool:
    """Is module (raft, raft.x, kvraft...) root's own? Exact: a student's dir may sit inside the reference's."""
    origin = os.path.abspath(getattr(module, "__file__", None) or "")
    top = module.__name__.split(".")[0]
    return origin.startswith(os.path.join(root, top, "")) or origin == os.path.join(root, top + ".py")


def _short_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4)).rstrip()
