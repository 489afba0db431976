"""The integrity report: lines of a submission that have no business in a lab, and near-identical submissions.

    scan(root) -> [Finding]     a static scan (ast) of every .py file under root, sorted by path and line; never
                                raises for a student's file (one that does not parse is one Finding)
    similar_pairs(roots, threshold=0.8, boilerplate=TEMPLATE) -> [(name_a, name_b, similarity)]   pairs of
                                submissions whose code is near-identical (copydetect), most similar first
    TEMPLATE                    the student template's folder: the code every submission shares by design

Findings never change a score: they point staff at a line worth a look. What counts: imports of the tester,
grading, and modules that reach outside the lab (ctypes, gc, inspect, subprocess, socket, threading,
multiprocessing, importlib, signal, ...), frame and code-object access, sys.modules and sys._getframe,
exec/eval/compile/__import__, process control (os._exit, os.fork, os.system, os.kill), opening files for writing,
writes to globals(), and changes to other modules' attributes (monkey-patching labrpc). Names are resolved through
the file's imports, so `import os as o; o._exit(0)` is "calls os._exit". A static scan sees what is written, not
what runs: code built at run time (exec of a string) shows only as the exec.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import stat
import tempfile
import warnings
from pathlib import Path

import student_template
from grading.model import Finding

TEMPLATE = Path(student_template.__file__).resolve().parent
MAX_FILE_BYTES = 2 << 20          # a generated or binary file this large is reported, not parsed
MAX_FILES = 2000                  # a folder with a virtualenv inside must not take minutes
MAX_SOURCE_CHARS = 4 << 20        # per submission, for the similarity check
# Characters of code (as copydetect filters it: names reduced to one letter) a submission must have beyond the
# template to be compared: blank submissions are all alike, and a pair of them is nothing staff need to see.
MIN_OWN_CODE = 200

MODULES = frozenset({"tester", "grading", "ctypes", "_ctypes", "cffi", "gc", "inspect", "subprocess",
                     "_posixsubprocess", "socket", "threading", "_thread", "multiprocessing", "concurrent",
                     "importlib", "signal", "pty", "fcntl", "mmap", "resource", "shutil", "builtins", "posix",
                     "marshal", "labrpc.guards", "labrpc.host", "labrpc.wire"})
# Dotted names (after resolving imports); a trailing "*" matches any name with that prefix.
NAMES = ("os._exit", "os.abort", "os.fork", "os.forkpty", "os.system", "os.popen", "os.kill", "os.killpg",
         "os.exec*", "os.spawn*", "os.posix_spawn*", "os.open", "os.write", "os.dup", "os.dup2", "os.pipe",
         "os.remove", "os.unlink", "os.rename", "os.replace", "os.rmdir", "os.removedirs", "os.chmod",
         "os.truncate", "sys.modules", "sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile",
         "sys.exit", "sys.path", "sys.meta_path", "sys.path_hooks", "sys.addaudithook",
         "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell")
FRAME_ATTRS = frozenset({"f_back", "f_globals", "f_locals", "f_builtins", "f_code", "gi_frame", "cr_frame",
                         "ag_frame", "tb_frame"})
DUNDERS = frozenset({"__globals__", "__code__", "__closure__", "__subclasses__", "__builtins__"})
BUILTINS = ("exec", "eval", "compile", "__import__", "breakpoint")
WRITE_MODE = frozenset("wax+")
_MODE = re.compile(r"[rwxabtU+]{1,4}")
DICT_WRITERS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"})
# Parsing or reading a student's file can fail in all these ways; each is a Finding, never an exception.
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError, UnicodeError)


COMPILED = (".pyc", ".pyo", ".so", ".pyd")


def scan(root: Path) -> list[Finding]:
    """Findings for every .py file under root (not in __pycache__, hidden folders or through links), with paths
    relative to root and 1-based lines, sorted by (path, line, what). A file that cannot be read or parsed gives
    one Finding saying why."""
    root = Path(root)
    own = _own_modules(root)
    findings: set[Finding] = set()
    try:
        files = _python_files(root)
        compiled = _python_files(root, COMPILED)
    except Exception as exc:   # a tree too deep (grading.submissions refuses it too), a folder that vanished
        return [Finding(".", 0, f"not scanned: {exc}")]
    findings.update(Finding(rel, 0, "a compiled file: not scanned, and never run (raftlab imports only .py "
                                    "source)") for rel, _ in compiled)
    if len(files) > MAX_FILES:
        findings.add(Finding(".", 0, f"more than {MAX_FILES} .py files: scanned the first {MAX_FILES}"))
    for rel, path in files[:MAX_FILES]:
        try:
            with open(path, "rb") as source:
                data = source.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            findings.add(Finding(rel, 0, f"cannot be read: {exc.strerror}"))
            continue
        if len(data) > MAX_FILE_BYTES:
            findings.add(Finding(rel, 0, f"not scanned: larger than {MAX_FILE_BYTES >> 20} MiB"))
            continue
        try:
            with warnings.catch_warnings():       # "invalid escape sequence" and the like: the student's business
                warnings.simplefilter("ignore")
                tree = ast.parse(data, filename=rel)
        except _PARSE_ERRORS as exc:
            line = getattr(exc, "lineno", None) or 1
            detail = exc.msg if isinstance(exc, SyntaxError) else str(exc)
            findings.add(Finding(rel, line, f"does not parse: {type(exc).__name__}: {detail}"[:200]))
            continue
        findings.update(Finding(rel, line, what) for line, what in _FileScan(tree, own).run())
    return sorted(findings, key=lambda finding: (finding.path, finding.line, finding.what))


def similar_pairs(roots: dict[str, Path], threshold: float = 0.8,
                  boilerplate: Path | None = TEMPLATE) -> list[tuple[str, str, float]]:
    """(name_a, name_b, similarity) for every pair of submissions at or above threshold, name_a < name_b, most
    similar first. Each submission's .py files are joined in path order and compared with copydetect (which ignores
    identifiers, so renamed variables still match); similarity is the smaller of the two shares of each one's code
    found in the other (0..1), so both must be near-identical, not one a fragment of the other. Code that is also in
    the boilerplate folder (the template) does not count, and a submission with less than MIN_OWN_CODE characters
    of its own is not compared (untouched templates are all alike). Fewer than two: []. Silent; writes only to a
    temporary folder."""
    # Imported here: only graders need copydetect, and it pulls in numpy (its dependency).
    import numpy
    from copydetect import CopyDetector

    named = sorted((name, Path(root)) for name, root in roots.items() if root is not None)
    if len(named) < 2:
        return []
    # Quiet without touching sys.stdout or logging (a live view may be drawing from another thread): silent=True
    # stops copydetect's prints and progress bars, its only warnings are for files we never give it (undecodable,
    # missing folders), and numpy's division warnings are off for this call only.
    with tempfile.TemporaryDirectory(prefix="raftlab-similar-") as tmp, numpy.errstate(all="ignore"):
        detector = CopyDetector(extensions=["py"], silent=True, autoopen=False,
                                out_file=os.path.join(tmp, "report.html"))
        if boilerplate is not None:
            # Its files one by one, and joined as a submission's are: an untouched template then matches the
            # boilerplate across its file boundaries too, and has no code of its own left.
            for _, path in _python_files(Path(boilerplate)):
                detector.add_file(str(path), type="boilerplate")
            joined = Path(tmp, "boilerplate.py")
            joined.write_text(_joined_source(Path(boilerplate)), encoding="utf-8")
            detector.add_file(str(joined), type="boilerplate")
        files = {}                                # name -> its joined source (one file per submission)
        for index, (name, root) in enumerate(named):
            source = _joined_source(root)
            if source.strip():                    # no Python at all: nothing to compare
                files[name] = str(Path(tmp, f"{index}.py"))
                Path(files[name]).write_text(source, encoding="utf-8")
                detector.add_file(files[name])
        if len(files) < 2:
            return []
        detector.run()
        matrix = detector.similarity_matrix       # [test file, reference file] -> (share of test, share of ref)
        position = {path: index for index, path in enumerate(detector.test_files)}
        pairs = []
        names = sorted(name for name, path in files.items()
                       if path in detector.file_data and detector.file_data[path].token_coverage >= MIN_OWN_CODE)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                share_a, share_b = matrix[position[files[a]], position[files[b]]]
                similarity = float(min(share_a, share_b))
                if similarity >= threshold:
                    pairs.append((a, b, round(similarity, 4)))
    return sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))


def _python_files(root: Path, suffixes=(".py",)) -> list[tuple[str, Path]]:
    """(posix path relative to root, path) of the regular files under root with one of `suffixes`, sorted; links
    are not followed (the submission check reports links out), a fifo or device is never opened (it would block),
    and hidden folders, __pycache__ and __MACOSX are left out."""
    from grading.submissions import walk
    found = []
    for top, dirs, files in walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".") and name not in ("__pycache__",
                                                                                           "__MACOSX"))
        for name in files:
            path = Path(top, name)
            if name.endswith(suffixes) and not name.startswith(".") and stat.S_ISREG(path.lstat().st_mode):
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _joined_source(root: Path) -> str:
    """A submission's .py files as one text, in path order, at most MAX_SOURCE_CHARS (undecodable bytes replaced)."""
    parts, size = [], 0
    for _, path in _python_files(root):
        try:
            with open(path, "rb") as source:
                text = source.read(MAX_FILE_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        parts.append(text)
        size += len(text)
        if size >= MAX_SOURCE_CHARS:
            break
    return "\n".join(parts)[:MAX_SOURCE_CHARS]


def _own_modules(root: Path) -> set[str]:
    """Top-level modules the submission itself provides (its raft, kvraft and helpers): patching those is its
    own business."""
    own = {"raft", "kvraft"}
    with contextlib.suppress(OSError):
        for child in root.iterdir():
            own.add(child.stem if child.suffix == ".py" else child.name)
    return own


class _FileScan:
    """One parsed file: resolves names through its imports and lists (line, what) for each suspicious node."""

    def __init__(self, tree: ast.AST, own: set[str]):
        self.tree, self.own = tree, own
        self.parent: dict[ast.AST, ast.AST] = {}
        self.aliases: dict[str, str] = {}         # local name -> dotted name it was imported as
        self.bound: set[str] = set()              # names the file defines itself (a local `compile` is no builtin)
        for node in ast.walk(tree):               # iterative: deep student code cannot overflow the stack here
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bound.add(node.name)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                self.bound.add(node.id)

    def run(self) -> list[tuple[int, str]]:
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.extend((node.lineno, what) for what in self.imports(node))
            elif what := self.check(node):
                found.append((getattr(node, "lineno", 1), what))
        return found

    def dotted(self, node: ast.AST) -> str | None:
        """The imported dotted name an expression stands for (`o._exit` after `import os as o`: "os._exit").
        Iterative: a file may chain thousands of attributes."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id], *reversed(attrs)])

    def called(self, node: ast.AST) -> bool:
        parent = self.parent.get(node)
        return isinstance(parent, ast.Call) and parent.func is node

    def imports(self, node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [f"imports {alias.name}" for alias in node.names if _banned_module(alias.name)]
        if node.level or not node.module:
            return []                             # a relative import: the submission's own code
        if _banned_module(node.module):
            return [f"imports {node.module}"]
        names = [f"{node.module}.{alias.name}" for alias in node.names]
        return [f"imports {name}" for name in names if _banned_module(name) or _banned_name(name)]

    def check(self, node: ast.AST) -> str:
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return ""

    def attribute(self, node: ast.Attribute) -> str:
        if node.attr in FRAME_ATTRS:
            return f"uses frame attribute {node.attr}"
        if node.attr in DUNDERS:
            return f"uses {node.attr}"
        name = self.dotted(node)
        if not name:
            return ""
        if _banned_name(name):
            outer = self.parent.get(node)
            if isinstance(outer, ast.Attribute) and _banned_name(self.dotted(outer) or ""):
                return ""                         # os.execv inside os.execv.x: the outer one is reported
            return f"{'calls' if self.called(node) else 'uses'} {name}"
        if not isinstance(node.ctx, ast.Load) and name.split(".")[0] not in self.own:
            return f"changes {name}"
        return ""

    def name(self, node: ast.Name) -> str:
        if node.id == "__builtins__":
            return "uses __builtins__"
        if node.id in BUILTINS and node.id not in self.bound and node.id not in self.aliases:
            return f"{'calls' if self.called(node) else 'uses'} {node.id}"
        name = self.aliases.get(node.id)
        if name and _banned_name(name) and isinstance(node.ctx, ast.Load):
            return f"{'calls' if self.called(node) else 'uses'} {name}"
        return ""

    def call(self, node: ast.Call) -> str:
        func = node.func
        plain = func.id if isinstance(func, ast.Name) and func.id not in self.bound else None
        if plain == "globals" or self.dotted(func) == "builtins.globals":
            parent = self.parent.get(node)
            if (isinstance(parent, ast.Subscript) and not isinstance(parent.ctx, ast.Load)) or \
                    (isinstance(parent, ast.Attribute) and parent.attr in DICT_WRITERS):
                return "writes to globals()"
            return ""
        if plain in ("setattr", "delattr") and node.args:
            target = self.dotted(node.args[0])
            if target and target.split(".")[0] not in self.own:
                return f"changes an attribute of {target} ({plain})"
        if plain in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) > 1:
            attr = node.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str) and attr.value in FRAME_ATTRS | DUNDERS:
                return f"uses {attr.value} (through {plain})"
        if plain == "open" or self.dotted(func) in ("io.open", "codecs.open", "builtins.open"):
            return _open_mode(node, 1, method=False)
        if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes"):
            return f"writes a file ({func.attr})"
        if isinstance(func, ast.Attribute) and func.attr == "open" and self.dotted(func) is None:
            return _open_mode(node, 0, method=True)     # Path(...).open("w")
        return ""


def _open_mode(node: ast.Call, position: int, method: bool) -> str:
    """"opens a file for writing" when the call's mode (positional `position` or mode=) writes. For open() itself
    a computed mode is reported too; for some_object.open(...) only an argument that reads as a mode counts
    (zf.open("raft.py") names a member, it is no mode)."""
    mode = node.args[position] if len(node.args) > position else None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return ""
    if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
        return "" if method else "opens a file with a computed mode"
    if method and not _MODE.fullmatch(mode.value):
        return ""
    return "opens a file for writing" if WRITE_MODE & set(mode.value) else ""


def _banned_module(name: str) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:end]) in MODULES for end in range(1, len(parts) + 1))


def _banned_name(name: str) -> bool:
    return any(name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1]))
               for pattern in NAMES)
