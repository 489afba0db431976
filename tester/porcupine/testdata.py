"""Porcupine's public test histories and their known verdicts (spec §7.5; tests/data/porcupine/README.md).

DATA_DIR                                   tests/data/porcupine in this source tree, where the histories are shipped
find_test_data(root=None) -> Path          root if given, else DATA_DIR; FileNotFoundError when it has no kv/ or etcd/
published_cases(root) -> [Case]            every history that is a test case, kv/ then etcd/, sorted by name
Case(name, path, linearizable)             name like "kv/c50-ok.txt"; linearizable is the published verdict
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

# Shipped inside the project (not looked up next to it) so a fresh clone runs every checker test: the data lives
# with the tests that need it, and only a source tree has it (the installed package does not carry 1.6 MB of logs).
DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "porcupine"

# the etcd logs Porcupine and ahorn/linearizability-checker expect to be linearizable; the others are not
LINEARIZABLE_ETCD = frozenset(int(n) for n in (
    "002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102").split())
NOT_A_CASE = "etcd_095.log"  # empty: that Jepsen run never started


class Case(NamedTuple):
    name: str
    path: Path
    linearizable: bool


def find_test_data(root=None) -> Path:
    """The folder holding kv/ and etcd/: `root` (str or Path) if given, else DATA_DIR. FileNotFoundError naming the
    folder when either subfolder is missing, so absent data is an error rather than a silently smaller test run."""
    folder = Path(root) if root is not None else DATA_DIR
    missing = [sub for sub in ("kv", "etcd") if not (folder / sub).is_dir()]
    if missing:
        raise FileNotFoundError(f"no Porcupine test histories in {folder}: {' and '.join(s + '/' for s in missing)} missing "
                                f"(the project ships them in {DATA_DIR}; pass the folder holding kv/ and etcd/)")
    return folder


def published_cases(root) -> list[Case]:
    """Every history under `root` (see find_test_data) with its published verdict, kv/ first, each sorted by name."""
    root = Path(root)
    cases = [Case(f"kv/{p.name}", p, p.stem.endswith("-ok")) for p in sorted((root / "kv").glob("*.txt"))]
    cases += [Case(f"etcd/{p.name}", p, int(p.stem.split("_")[1]) in LINEARIZABLE_ETCD)
              for p in sorted((root / "etcd").glob("etcd_*.log")) if p.name != NOT_A_CASE]
    return cases
