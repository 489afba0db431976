"""Finding a class's submissions in a folder: student folders and archives, extracted safely, with a content hash.

    find_submissions(folder, scratch, need_kvraft=False, limits=Limits()) -> [Submission]   one per student, by
                                name; archives are extracted into scratch/<name>/ (afresh on every call)
    content_hash(root) -> str   sha256 hex over the relative paths and bytes of root's files (caches, .git and
                                hidden files left out; a symbolic link counts as its target's text, never followed)
    Limits(total_bytes=50 MiB, files=5000, file_bytes=20 MiB)   what one archive may hold once extracted
    SubmissionsError            ValueError: the class folder itself is missing or not a folder

Every entry of the class folder is one student: a folder, or a .zip / .tar / .tar.gz / .tgz (also .tar.bz2,
.tar.xz) archive. Hidden entries and other plain files (a README, a CSV) are skipped. A student's work is the folder
that holds raft/, either the student's folder itself or one level down (GitHub Classroom and Gradescope exports add
one folder), or a src/ inside that. Whatever keeps a submission from being graded (an archive that does not open or
breaks a rule, no raft/, two raft/ folders, a link out of the submission, two entries with one name) becomes its
Submission's `problem`; grading goes on with the others.

Archives are extracted by this module, entry by entry, never by tarfile/zipfile's own extract: no absolute paths,
no `..`, no links of any kind, no device files, and sizes counted as bytes are written (a zip's declared sizes may
lie; a tar's decompressed stream is capped under tarfile itself). Any breach removes everything extracted from that
archive.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import stat
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grading.model import Submission

ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar")
# Folders that export tools and editors add next to real work: never a student, never a submission root.
JUNK_DIRS = ("__MACOSX", "__pycache__")
_CHUNK = 1 << 16
MAX_DEPTH = 32            # folder levels in a submission: deeper is no lab's layout
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
# What the archive libraries raise on damaged, truncated, encrypted or exotic input: a problem for that student.
_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, zipfile.LargeZipFile,
                tarfile.TarError, RuntimeError, NotImplementedError, ValueError)


class SubmissionsError(ValueError):
    """The class folder cannot be read at all (the message names it)."""


@dataclass(frozen=True)
class Limits:
    """What one archive may hold. total_bytes: uncompressed bytes of all its files; files: entries of any kind;
    file_bytes: uncompressed bytes of one file."""
    total_bytes: int = 50 << 20
    files: int = 5000
    file_bytes: int = 20 << 20


class _Refused(Exception):
    """An archive that breaks a rule or cannot be read; the message is the Submission's problem."""


def find_submissions(folder: Path, scratch: Path, need_kvraft: bool = False,
                     limits: Limits = Limits()) -> list[Submission]:
    """Every student of `folder`, sorted by name. Archives go to scratch/<name>/ (removed and extracted again on
    every call, so a re-run gives the same roots and hashes). need_kvraft: lab 3, so a root without kvraft/ next to
    raft/ is a problem. Raises SubmissionsError when `folder` is not a readable folder."""
    folder, scratch = Path(folder), Path(scratch)
    if not folder.is_dir():
        raise SubmissionsError(f"{folder}: no such folder (the class's submissions: one folder or archive each)")
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise SubmissionsError(f"{folder}: cannot list it ({exc.strerror})") from None
    scratch.mkdir(parents=True, exist_ok=True)
    scratch_real = os.path.realpath(scratch)
    entries = []                                  # (name, entry name, kind)
    for entry in names:
        path = folder / entry
        if entry.startswith(".") or entry in JUNK_DIRS or os.path.realpath(path) == scratch_real:
            continue
        kind = None if path.is_dir() else _archive_kind(entry)
        if kind:
            entries.append((shown_name(entry[:len(entry) - len(kind[1])]), entry, kind[0]))
        elif path.is_dir():
            entries.append((shown_name(entry), entry, "dir"))
    taken: dict[str, str] = {}
    found = []
    for name, entry, kind in sorted(entries):
        path = folder / entry
        shown = shown_name(entry) + ("/" if kind == "dir" else "")
        if name in taken:
            # The row key must stay unique, so the second entry is listed under its own full name.
            found.append(Submission(shown_name(entry), path, None, "", f"{shown}: clashes with {taken[name]} (two "
                                                                       f"submissions named {name}; keep one)"))
            continue
        taken[name] = shown
        dest = path if kind == "dir" else scratch / _scratch_name(name, entry)
        try:
            if kind != "dir":
                _extract(path, kind, dest, limits)
            found.append(_submission(name, path, dest, shown, need_kvraft))
        except _Refused as exc:
            if kind != "dir":
                _remove(dest)
            found.append(Submission(name, path, None, "", str(exc)))
        except (OSError, ValueError, RecursionError) as exc:   # whatever else one entry does, the class goes on
            found.append(Submission(name, path, None, "", f"{shown}: cannot be read ({_text(exc)})"))
    return sorted(found, key=lambda submission: submission.name)


def _scratch_name(name: str, entry: str) -> str:
    """The archive's folder in scratch: its name when that is a plain short file name, else a hash of the entry
    (a 230-character or undecodable name must not fail the extraction)."""
    plain = name.isascii() and name.isprintable() and len(name) <= 64 and "/" not in name
    return name if plain else "archive-" + hashlib.sha256(entry.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def shown_name(entry: str) -> str:
    """A student's name as every report and console shows it: undecodable bytes, control characters (terminal
    escapes) and bidirectional overrides replaced by U+FFFD, so that a folder name can neither garble the staff's
    terminal nor reorder what a gradebook shows."""
    text = entry.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI else c for c in text)


def content_hash(root: Path) -> str:
    """sha256 hex of every file under root: sorted relative paths, sizes and bytes. Skips __pycache__ (the student
    side never reads it: PYTHONPYCACHEPREFIX points elsewhere), .git and hidden files and folders; a symbolic link
    is hashed as the text it points to, and never followed. Raises _Refused for folders nested too deep."""
    root = Path(root)
    digest = hashlib.sha256()
    for rel, path in _files(root):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(path).encode("utf-8", "surrogateescape")
            digest.update(b"link\0%d\0" % len(target) + target)
        elif not stat.S_ISREG(info.st_mode):
            digest.update(b"special\0")          # a fifo or device: never opened (a fifo would block)
        else:
            digest.update(b"file\0%d\0" % info.st_size)
            with open(path, "rb") as source:
                while block := source.read(_CHUNK):
                    digest.update(block)
    return digest.hexdigest()


def walk(root) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk(root) without recursion and without following links (a linked folder is listed with the files):
    Python 3.11's os.walk recurses, so a student's 1,200 nested folders would end the grading in RecursionError.
    Raises _Refused past MAX_DEPTH levels. The caller may prune `dirs` in place, as with os.walk."""
    stack = [(str(root), 0)]
    while stack:
        top, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _Refused(f"folders nested more than {MAX_DEPTH} levels deep in {Path(top).name}/")
        try:
            entries = sorted(os.scandir(top), key=lambda entry: entry.name)
        except OSError:
            continue
        dirs = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
        files = [e.name for e in entries if not e.is_dir(follow_symlinks=False)]
        yield top, dirs, files
        stack.extend((os.path.join(top, name), depth + 1) for name in reversed(dirs))


def _files(root: Path) -> list[tuple[str, Path]]:
    """(posix path relative to root, path) of every file and link content_hash counts, sorted by relative path.
    Compiled files (.pyc, .so) count like any other: the student side could import them."""
    found = []
    for top, dirs, files in walk(root):
        dirs[:] = [name for name in dirs if not (name.startswith(".") or name in JUNK_DIRS)]
        for name in files:
            if name.startswith("."):
                continue
            path = Path(top, name)
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _archive_kind(entry: str) -> tuple[str, str] | None:
    """("zip" | "tar", the suffix as written) when the name says archive, else None."""
    lower = entry.lower()
    for kind, suffixes in (("zip", ZIP_SUFFIXES), ("tar", TAR_SUFFIXES)):
        for suffix in suffixes:
            if lower.endswith(suffix) and len(entry) > len(suffix):
                return kind, entry[len(entry) - len(suffix):]
    return None


def _submission(name: str, source: Path, top: Path, shown: str, need_kvraft: bool) -> Submission:
    """The Submission for a student folder (or an extracted archive) `top`: find its root, check it, hash it."""
    roots = _find_roots(top)
    if not roots:
        looked = (f"looked in {shown} and one level down" if shown.endswith("/")
                  else "looked at its top and one level down")
        return Submission(name, source, None, "", f"no raft/ folder in {shown} ({looked})")
    if len(roots) > 1:
        listed = ", ".join(f"{root.relative_to(top).as_posix() or '.'}/raft" for root in roots)
        return Submission(name, source, None, "", f"several raft/ folders in {shown}: {listed}; keep one")
    root = roots[0]
    problem = _links_out(top, root)
    if not problem and need_kvraft and not (root / "kvraft").is_dir():
        problem = f"no kvraft/ folder next to raft/ in {shown} (lab 3 needs it)"
    return Submission(name, source, root, content_hash(root), problem)


def _find_roots(top: Path) -> list[Path]:
    """The folders that hold a raft/ package, at the shallowest depth that has any: top itself, then its
    sub-folders (src/ included), then their src/ folders. Several at that depth: all of them (ambiguous)."""
    def has_raft(folder: Path) -> bool:
        package = folder / "raft"
        return package.is_dir() and ((package / "raft.py").is_file() or (package / "__init__.py").is_file())

    def subdirs(folder: Path) -> list[Path]:
        try:
            return sorted(child for child in folder.iterdir() if child.is_dir()
                          and not child.name.startswith(".") and child.name not in JUNK_DIRS)
        except OSError:
            return []

    level1 = subdirs(top)
    for level in ([top], level1, [child / "src" for child in level1 if child.name != "src"]):
        roots = [folder for folder in level if has_raft(folder)]
        if roots:
            return roots
    return []


def _links_out(top: Path, root: Path) -> str:
    """A problem naming the links under root (or root itself) that lead outside the student's folder, else ""."""
    top_real = os.path.realpath(top)
    root_real = os.path.realpath(root)
    if os.path.commonpath([top_real, root_real]) != top_real:
        return f"links out of the submission: {root.relative_to(top).as_posix()} -> {root_real}"
    bad = []
    for top_dir, dirs, files in walk(root):
        for name in dirs + files:
            path = os.path.join(top_dir, name)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if os.path.commonpath([root_real, target]) != root_real:
                    bad.append(f"{Path(path).relative_to(root).as_posix()} -> {os.readlink(path)}")
    if not bad:
        return ""
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return f"links out of the submission: {bad[0]}{more}"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _text_name(entry: str) -> str:
    return entry if len(entry) <= 60 else entry[:57] + "..."


def _text(exc: BaseException) -> str:
    """An exception's message on one short line (tarfile's lists every method it tried, over several lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"


class _Writer:
    """Writes one archive's files under dest, enforcing the rules and limits as bytes arrive."""

    def __init__(self, archive: Path, dest: Path, limits: Limits):
        self.archive, self.dest, self.limits = archive.name, dest, limits
        self.total = self.entries = 0
        self.seen: set[str] = set()

    def refuse(self, entry: str, why: str) -> _Refused:
        return _Refused(f"{self.archive}: entry {entry!r} {why}; nothing extracted")

    def target(self, entry: str) -> Path | None:
        """Where entry goes (None for the archive's top folder itself); refuses unsafe names and repeats."""
        self.entries += 1
        if self.entries > self.limits.files:
            raise _Refused(f"{self.archive}: more than {self.limits.files} entries (the limit); nothing extracted")
        name = entry.replace("\\", "/")
        if "\0" in name:
            raise self.refuse(entry, "has a NUL in its name")
        if name.startswith("/") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
            raise self.refuse(entry, "is an absolute path")
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise self.refuse(entry, "climbs out of the folder (..)")
        if not parts:
            return None
        if len(parts) > MAX_DEPTH:   # nothing is created for it (a deep mkdir would recurse past Python's limit)
            raise _Refused(f"{self.archive}: folders nested more than {MAX_DEPTH} levels deep ({_text_name(entry)})")
        rel = "/".join(parts)
        if rel in self.seen:
            raise self.refuse(entry, "appears twice")
        self.seen.add(rel)
        return self.dest.joinpath(*parts)

    def file(self, entry: str, target: Path | None, declared: int, source) -> None:
        """Copy source (a binary file object) to target. The archive's declared size refuses early; the bytes
        actually written are what counts (a zip's header may lie)."""
        if target is None:
            raise self.refuse(entry, "is a file named like the archive's top folder")
        self.check(entry, declared, self.total + declared)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with open(target, "xb") as out:
            while block := source.read(_CHUNK):
                written += len(block)
                self.total += len(block)
                self.check(entry, written, self.total)
                out.write(block)

    def check(self, entry: str, size: int, total: int) -> None:
        if size > self.limits.file_bytes:
            raise self.refuse(entry, f"is larger than the {_size(self.limits.file_bytes)} limit per file")
        if total > self.limits.total_bytes:
            raise self.refuse(entry, f"takes the archive past its {_size(self.limits.total_bytes)} limit "
                                     f"(uncompressed)")


def _extract(archive: Path, kind: str, dest: Path, limits: Limits) -> None:
    """Extract archive into a fresh dest; raises _Refused (the problem) for an archive that does not open, breaks a
    rule or cannot be read. dest is left for the caller to remove."""
    _remove(dest)
    dest.mkdir(parents=True)
    writer = _Writer(archive, dest, limits)
    if kind == "zip":
        try:
            opened = zipfile.ZipFile(archive)
        except _READ_ERRORS as exc:
            raise _Refused(f"{archive.name}: not a zip archive ({_text(exc)})") from None
        with opened:
            _extract_zip(opened, writer)
    else:
        # Slack over the size limit for headers: 512 bytes each, and a few for long names.
        stream = None
        try:
            stream = _Capped(archive, limits.total_bytes + 4096 * limits.files + (1 << 20))
            opened = tarfile.open(fileobj=stream, mode="r:")
        except _READ_ERRORS as exc:
            if stream:
                stream.close()
            raise _Refused(f"{archive.name}: not a tar archive ({_text(exc)})") from None
        try:
            _extract_tar(opened, writer)
        finally:
            opened.close()
            stream.close()


class _Capped:
    """A tar archive's bytes, decompressed (gzip, bzip2, xz or none, told by their first bytes), that refuse to go
    past `cap`. The cap sits under tarfile because tarfile reads a pax or GNU long-name header whole, at whatever
    size it declares: a few KiB of gzip could otherwise make it allocate gigabytes before any entry is seen."""

    MAGIC = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))

    def __init__(self, path: Path, cap: int):
        self.path, self.cap = path, cap
        with open(path, "rb") as raw:
            head = raw.read(6)
        opener = next((opener for magic, opener in self.MAGIC if head.startswith(magic)), open)
        self.stream = opener(path, "rb")

    def refuse(self) -> _Refused:
        return _Refused(f"{self.path.name}: more than {_size(self.cap)} of data once decompressed; nothing "
                        f"extracted")

    def read(self, size: int = -1) -> bytes:
        left = self.cap - self.stream.tell()
        if size is None or size < 0 or size > left:
            data = self.stream.read(left + 1)
            if len(data) > left:
                raise self.refuse()
            return data
        return self.stream.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0 and offset > self.cap:
            raise self.refuse()
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()

    def close(self) -> None:
        self.stream.close()


def _extract_zip(archive: zipfile.ZipFile, writer: _Writer) -> None:
    entry = ""
    try:
        for info in archive.infolist():
            entry = info.filename
            target = writer.target(entry)
            mode = info.external_attr >> 16 if info.create_system == 3 else 0   # 3: made on Unix
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                raise writer.refuse(entry, "is a symbolic link")
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise writer.refuse(entry, "is a device or special file")
            if info.is_dir():
                (target or writer.dest).mkdir(parents=True, exist_ok=True)
            else:
                with archive.open(info) as source:
                    writer.file(entry, target, info.file_size, source)
    except _READ_ERRORS as exc:
        raise _Refused(f"{writer.archive}: cannot extract {entry!r} ({type(exc).__name__}: {_text(exc)})") from None


def _extract_tar(archive: tarfile.TarFile, writer: _Writer) -> None:
    entry = ""
    try:
        for member in archive:
            entry = member.name
            target = writer.target(entry)
            if member.issym() or member.islnk():
                raise writer.refuse(entry, f"is a {'symbolic' if member.issym() else 'hard'} link")
            if member.isdir():
                (target or writer.dest).mkdir(parents=True, exist_ok=True)
            elif member.isreg():
                source = archive.extractfile(member)
                writer.file(entry, target, member.size, source)
            else:
                raise writer.refuse(entry, "is a device or special file")
    except _READ_ERRORS as exc:
        raise _Refused(f"{writer.archive}: cannot extract {entry!r} ({type(exc).__name__}: {_text(exc)})") from None
