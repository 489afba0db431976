"""raftlab's own files, watched after every unsandboxed run (tester.students.integrity): a file is read again only
when the kernel says it was written, and what changed is named, whether written, added or removed."""

import os

from tester.students import integrity


def test_writes_additions_and_removals_are_named_and_a_touch_is_not(tmp_path, monkeypatch):
    package = tmp_path / "tester"
    package.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (package / name).write_text(f"# {name}\n")
    monkeypatch.setattr(integrity, "REFERENCE_ROOT", str(tmp_path))
    monkeypatch.setattr(integrity, "WATCHED", ("tester",))
    files = integrity.TesterFiles()
    assert files.changed() == []

    os.utime(package / "a.py", (0, 0))                 # touched: its stat moved, its content did not
    (package / "b.py").write_text("# b.py\n")          # rewritten with the same bytes
    assert files.changed() == []

    reads = []
    monkeypatch.setattr(integrity, "_digest", lambda path: reads.append(path) or "other")
    assert files.changed() == [str(package / "a.py"), str(package / "b.py")]   # only moved files are read
    assert sorted(reads) == [str(package / "a.py"), str(package / "b.py")]
    monkeypatch.undo()
    monkeypatch.setattr(integrity, "REFERENCE_ROOT", str(tmp_path))
    monkeypatch.setattr(integrity, "WATCHED", ("tester",))

    (package / "c.py").write_text("import os  # patched\n")
    (package / "d.py").write_text("# new\n")
    (package / "a.py").unlink()
    assert files.changed() == [str(package / "a.py"), str(package / "c.py"), str(package / "d.py")]
