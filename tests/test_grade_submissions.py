"""Finding a class's submissions: folders and archives, the nested layouts of export tools, safe extraction (no
escapes, no links, size limits), clear problems for what cannot be graded, and a stable content hash."""

import io
import os
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from grading.submissions import Limits, SubmissionsError, content_hash, find_submissions

REPO = Path(__file__).resolve().parents[1]
SKIP_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


def good(folder: Path) -> Path:
    """The reference raft/ and kvraft/ copied into folder: a submission that can be graded."""
    for package in ("raft", "kvraft"):
        shutil.copytree(REPO / package, folder / package, ignore=SKIP_CACHES)
    return folder


def zip_folder(archive: Path, folder: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def zip_entries(archive: Path, entries: list) -> Path:
    """entries: (name, bytes) or (ZipInfo, bytes)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            out.writestr(name, data)
    return archive


def tar_entries(archive: Path, members: list) -> Path:
    """members: (name, bytes) for a file, or a ready TarInfo (a link, a device) with no data."""
    with tarfile.open(archive, "w:gz") as out:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                out.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                out.addfile(info, io.BytesIO(member[1]))
    return archive


def only(submissions, name):
    [found] = [submission for submission in submissions if submission.name == name]
    return found


@pytest.fixture
def reference_zip(tmp_path):
    """raft/ and kvraft/ of the reference, zipped at the archive's top."""
    return zip_folder(tmp_path / "reference.zip", good(tmp_path / "reference"))


def test_a_class_of_folders_and_archives_in_every_layout(tmp_path, reference_zip):
    subs = tmp_path / "subs"
    subs.mkdir()
    good(subs / "alice")
    good(subs / "bob" / "6.5840-lab-bob")                           # GitHub Classroom: one folder down
    shutil.copy(reference_zip, subs / "carol.zip")
    good(tmp_path / "dave-src" / "lab" / "src")
    with tarfile.open(subs / "dave.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "dave-src", ".")                         # ./, ./lab/src/raft/...: a src/ one level down
    (subs / "erin").mkdir()
    (subs / "erin" / "notes.txt").write_text("I ran out of time")
    (subs / "README.txt").write_text("class of 2024")
    (subs / "grades.csv").write_text("name,score\n")
    (subs / ".DS_Store").write_bytes(b"\0\1")
    (subs / ".hidden").mkdir()

    found = find_submissions(subs, tmp_path / "scratch")

    assert [s.name for s in found] == ["alice", "bob", "carol", "dave", "erin"]
    assert only(found, "alice").root == subs / "alice" and only(found, "alice").problem == ""
    assert only(found, "bob").root == subs / "bob" / "6.5840-lab-bob"
    assert only(found, "carol").root == tmp_path / "scratch" / "carol"
    assert only(found, "carol").source == subs / "carol.zip"
    assert only(found, "dave").root == tmp_path / "scratch" / "dave" / "lab" / "src"
    assert (only(found, "dave").root / "raft" / "raft.py").read_bytes() == (REPO / "raft" / "raft.py").read_bytes()
    # The same files give the same hash wherever they sit.
    assert len({s.content_hash for s in found if s.name != "erin"}) == 1
    erin = only(found, "erin")
    assert erin.root is None and erin.content_hash == ""
    assert erin.problem == "no raft/ folder in erin/ (looked in erin/ and one level down)"


def test_lab3_needs_kvraft_next_to_raft(tmp_path):
    subs = tmp_path / "subs"
    good(subs / "alice")
    shutil.copytree(REPO / "raft", subs / "bob" / "raft", ignore=SKIP_CACHES)
    assert [s.problem for s in find_submissions(subs, tmp_path / "scratch")] == ["", ""]
    alice, bob = find_submissions(subs, tmp_path / "scratch", need_kvraft=True)
    assert alice.problem == ""
    assert bob.problem == "no kvraft/ folder next to raft/ in bob/ (lab 3 needs it)" and bob.root == subs / "bob"


def test_two_raft_folders_one_level_down_are_ambiguous_but_a_top_one_wins(tmp_path):
    subs = tmp_path / "subs"
    good(subs / "alice" / "attempt1")
    good(subs / "alice" / "attempt2")
    good(subs / "bob")
    good(subs / "bob" / "old-copy")
    alice, bob = find_submissions(subs, tmp_path / "scratch")
    assert alice.root is None
    assert alice.problem == "several raft/ folders in alice/: attempt1/raft, attempt2/raft; keep one"
    assert bob.root == subs / "bob" and bob.problem == ""


def test_a_name_clash_gives_the_second_entry_a_problem(tmp_path, reference_zip):
    subs = tmp_path / "subs"
    good(subs / "alice")
    shutil.copy(reference_zip, subs / "alice.zip")
    first, second = find_submissions(subs, tmp_path / "scratch")
    assert (first.name, first.problem, first.root) == ("alice", "", subs / "alice")
    assert second.name == "alice.zip" and second.root is None
    assert second.problem == "alice.zip: clashes with alice/ (two submissions named alice; keep one)"
    assert not (tmp_path / "scratch" / "alice").exists()          # the clashing archive is not even extracted


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def zip_link(name):
    info = zipfile.ZipInfo(name)
    info.create_system, info.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    return info


def device(name):
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return info


CODE = b"x = 1\n"


@pytest.mark.parametrize("archive, make, message", [
    ("up.zip", lambda p: zip_entries(p, [("raft/raft.py", CODE), ("../evil", CODE)]),
     "up.zip: entry '../evil' climbs out of the folder (..); nothing extracted"),
    ("deep.zip", lambda p: zip_entries(p, [("raft/raft.py", CODE), ("raft/../../../evil", CODE)]),
     "deep.zip: entry 'raft/../../../evil' climbs out of the folder (..); nothing extracted"),
    ("up.tar.gz", lambda p: tar_entries(p, [("raft/raft.py", CODE), ("../evil", CODE)]),
     "up.tar.gz: entry '../evil' climbs out of the folder (..); nothing extracted"),
    ("abs.zip", lambda p: zip_entries(p, [("raft/raft.py", CODE), (zipfile.ZipInfo("/tmp/evil"), CODE)]),
     "abs.zip: entry '/tmp/evil' is an absolute path; nothing extracted"),
    ("abs.tgz", lambda p: tar_entries(p, [("raft/raft.py", CODE), ("/tmp/evil", CODE)]),
     "abs.tgz: entry '/tmp/evil' is an absolute path; nothing extracted"),
    ("sym.zip", lambda p: zip_entries(p, [("raft/raft.py", CODE), (zip_link("raft/x.py"), b"/etc/passwd")]),
     "sym.zip: entry 'raft/x.py' is a symbolic link; nothing extracted"),
    ("sym.tar.gz", lambda p: tar_entries(p, [("raft/raft.py", CODE), link("raft/x.py", "/etc/passwd")]),
     "sym.tar.gz: entry 'raft/x.py' is a symbolic link; nothing extracted"),
    ("hard.tar.gz", lambda p: tar_entries(p, [("raft/raft.py", CODE), link("raft/x.py", "/etc/passwd",
                                                                            tarfile.LNKTYPE)]),
     "hard.tar.gz: entry 'raft/x.py' is a hard link; nothing extracted"),
    ("dev.tar.gz", lambda p: tar_entries(p, [("raft/raft.py", CODE), device("raft/null")]),
     "dev.tar.gz: entry 'raft/null' is a device or special file; nothing extracted"),
    ("twice.tar.gz", lambda p: tar_entries(p, [("raft/raft.py", CODE), ("raft/raft.py", b"y = 2\n")]),
     "twice.tar.gz: entry 'raft/raft.py' appears twice; nothing extracted"),
])
def test_an_unsafe_archive_is_refused_naming_the_entry_and_leaves_nothing(tmp_path, archive, make, message):
    subs, scratch = tmp_path / "subs", tmp_path / "scratch"
    subs.mkdir()
    make(subs / archive)
    [found] = find_submissions(subs, scratch)
    assert found.problem == message and found.root is None and found.content_hash == ""
    assert os.listdir(scratch) == []                                # partial output removed
    assert not (tmp_path / "evil").exists()


def test_size_and_count_limits_hold_even_when_a_zip_lies_about_sizes(tmp_path, monkeypatch):
    subs, scratch = tmp_path / "subs", tmp_path / "scratch"
    subs.mkdir()
    zeros = b"\0" * (3 << 20)                                       # 3 MiB that compress to a few KiB
    zip_entries(subs / "bomb.zip", [("raft/raft.py", CODE), ("raft/zeros.bin", zeros)])
    zip_entries(subs / "many.zip", [("raft/raft.py", CODE)] + [(f"raft/f{i}.py", CODE) for i in range(20)])
    zip_entries(subs / "sum.zip", [("raft/raft.py", CODE)] + [(f"raft/f{i}.bin", zeros[:300_000]) for i in range(5)])
    tar_entries(subs / "big.tar.gz", [("raft/raft.py", CODE), ("raft/zeros.bin", zeros)])
    # A 3 MiB GNU long name: tarfile would read it whole into memory, whatever size it declares.
    with tarfile.open(subs / "longname.tar.gz", "w:gz", format=tarfile.GNU_FORMAT) as out:
        info = tarfile.TarInfo("raft/" + "a" * (3 << 20))
        out.addfile(info, io.BytesIO(b""))
    limits = Limits(total_bytes=1 << 20, files=10, file_bytes=2 << 20)
    found = {s.name: s.problem for s in find_submissions(subs, scratch, limits=limits)}
    assert found == {
        "big": "big.tar.gz: entry 'raft/zeros.bin' is larger than the 2 MiB limit per file; nothing extracted",
        "bomb": "bomb.zip: entry 'raft/zeros.bin' is larger than the 2 MiB limit per file; nothing extracted",
        "longname": "longname.tar.gz: more than 2138112 bytes of data once decompressed; nothing extracted",
        "many": "many.zip: more than 10 entries (the limit); nothing extracted",
        "sum": "sum.zip: entry 'raft/f3.bin' takes the archive past its 1 MiB limit (uncompressed); nothing extracted",
    }
    assert os.listdir(scratch) == []

    # A zip whose headers claim 10 bytes: if the library ever let the real 3 MiB through, the bytes counted as
    # they are written still stop it at the limit.
    shutil.rmtree(subs)
    subs.mkdir()
    zip_entries(subs / "liar.zip", [("raft/raft.py", CODE), ("raft/small.bin", b"0123456789")])
    real_open = zipfile.ZipFile.open

    def lying_open(self, info, *args, **kwargs):
        name = info if isinstance(info, str) else info.filename
        return io.BytesIO(zeros) if name == "raft/small.bin" else real_open(self, info, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    [liar] = find_submissions(subs, scratch, limits=limits)
    assert liar.problem == "liar.zip: entry 'raft/small.bin' takes the archive past its 1 MiB limit " \
                           "(uncompressed); nothing extracted"
    assert os.listdir(scratch) == []


def test_an_archive_that_does_not_open_is_a_problem_not_a_crash(tmp_path, reference_zip):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "eve.zip").write_bytes(b"this is not a zip")
    (subs / "fay.tar.gz").write_bytes(b"nor a tarball" * 100)
    whole = reference_zip.read_bytes()
    (subs / "gus.zip").write_bytes(whole[:len(whole) // 2])        # cut short: no central directory
    tar_entries(tmp_path / "hal.tar.gz", [("raft/raft.py", os.urandom(200_000))])
    whole = (tmp_path / "hal.tar.gz").read_bytes()
    (subs / "hal.tar.gz").write_bytes(whole[:len(whole) // 2])     # cut short inside a member
    found = {s.name: s.problem for s in find_submissions(subs, tmp_path / "scratch")}
    assert found["eve"] == "eve.zip: not a zip archive (File is not a zip file)"
    assert found["fay"].startswith("fay.tar.gz: not a tar archive (")
    assert found["gus"].startswith("gus.zip: not a zip archive (")
    assert found["hal"].startswith("hal.tar.gz: cannot extract 'raft/raft.py' (")
    assert os.listdir(tmp_path / "scratch") == []


def test_links_out_of_a_folder_submission_are_a_problem_and_never_followed(tmp_path):
    subs = tmp_path / "subs"
    good(subs / "alice")
    good(subs / "bob")
    outside = tmp_path / "outside.py"
    outside.write_text("secret = 1\n")
    (subs / "alice" / "raft" / "x.py").symlink_to("/etc/passwd")
    (subs / "bob" / "raft" / "y.py").symlink_to("raft.py")          # inside the submission: fine
    (subs / "bob" / "raft" / "z.py").symlink_to(outside)
    alice, bob = find_submissions(subs, tmp_path / "scratch")
    assert alice.problem == "links out of the submission: raft/x.py -> /etc/passwd"
    assert bob.problem == f"links out of the submission: raft/z.py -> {outside}"
    before = content_hash(bob.root)
    outside.write_text("secret = 2\n")
    assert content_hash(bob.root) == before                         # the link's target is never read


def test_running_again_re_extracts_cleanly_with_the_same_hashes(tmp_path, reference_zip):
    subs, scratch = tmp_path / "subs", tmp_path / "scratch"
    subs.mkdir()
    shutil.copy(reference_zip, subs / "carol.zip")
    (subs / "scratch-inside").mkdir()
    first = find_submissions(subs, scratch)
    (scratch / "carol" / "raft" / "stale.py").write_text("left over\n")
    second = find_submissions(subs, scratch)
    assert first == second and first[0].problem == ""
    assert not (scratch / "carol" / "raft" / "stale.py").exists()
    # A scratch folder inside the class folder is not mistaken for a student.
    inner = subs / "scratch-inside"
    assert [s.name for s in find_submissions(subs, inner)] == ["carol"]
    assert [s.name for s in find_submissions(subs, inner)] == ["carol"]


def test_content_hash_covers_names_and_bytes_but_not_caches(tmp_path):
    root = good(tmp_path / "alice")
    base = content_hash(root)
    (root / "raft" / "__pycache__").mkdir()
    (root / "raft" / "__pycache__" / "raft.cpython-311.pyc").write_bytes(b"\0cache")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / ".notes").write_text("hidden\n")
    assert content_hash(root) == base
    (root / "raft" / "stray.pyc").write_bytes(b"\0")   # importable without its source: it counts
    assert content_hash(root) != base
    (root / "raft" / "stray.pyc").unlink()
    (root / "raft" / "log.py").write_bytes((root / "raft" / "log.py").read_bytes() + b"\n")
    changed = content_hash(root)
    assert changed != base
    (root / "raft" / "log.py").rename(root / "raft" / "log2.py")
    assert content_hash(root) not in (base, changed)


def test_a_missing_class_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SubmissionsError, match=f"{tmp_path / 'nope'}: no such folder"):
        find_submissions(tmp_path / "nope", tmp_path / "scratch")


def test_a_deep_archive_is_one_students_problem_not_the_end_of_the_grading(tmp_path):
    """1,200 nested folders once ended the whole grading in RecursionError (os.walk recurses in Python 3.11)."""
    subs = tmp_path / "subs"
    good(subs / "alice")
    deep = "raft/" + "a/" * 1200
    zip_entries(subs / "deep.zip", [("raft/__init__.py", b"make = None\n"), (deep, b"")])
    found = {s.name: s for s in find_submissions(subs, tmp_path / "scratch")}
    assert found["alice"].problem == ""
    assert "nested more than" in found["deep"].problem


def test_names_that_would_garble_a_terminal_or_a_database_are_shown_safely(tmp_path):
    subs = os.fsencode(tmp_path / "subs")
    os.makedirs(subs)
    for raw in (b"caf\xe9", b"evil\x1b]0;OWNED\x07\x1b[2J", "rtl\u202etxt.py".encode(), b"x" * 230):
        good(Path(os.fsdecode(os.path.join(subs, raw))))
    found = find_submissions(Path(os.fsdecode(subs)), tmp_path / "scratch")
    names = sorted(s.name for s in found)
    assert names == sorted(["caf\ufffd", "evil\ufffd]0;OWNED\ufffd\ufffd[2J", "rtl\ufffdtxt.py", "x" * 230])
    assert all(s.problem == "" for s in found)
    for name in names:
        name.encode("utf-8")   # storable and printable: no lone surrogate left
