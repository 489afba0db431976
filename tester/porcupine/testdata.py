"""Porcupine's public test histories and their known verdicts (spec §7.5; README.md of the data folder).

find_test_data(root=None) -> Path | None   root if given, else ../shared/testdata/porcupine next to the repo;
                                           None when that folder is absent
published_cases(root) -> [Case]            every history that is a test case, kv/ then etcd/, sorted by name
Case(name, path, linearizable)             name like "kv/c50-ok.txt"; linearizable is the published verdict
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

# the etcd logs Porcupine and ahorn/linearizability-checker expect to be linearizable; the others are not
LINEARIZABLE_ETCD = frozenset(int(n) for n in (
    "002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102").split())
NOT_A_CASE = "etcd_095.log"  # empty: that Jepsen run never started


class Case(NamedTuple):
    name: str
    path: Path
    linearizable: bool


def find_test_data(root=None) -> Path | None:
    if root is not None:
        return Path(root)
    default = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "porcupine"
    return default if default.is_dir() else None


def published_cases(root) -> list[Case]:
    root = Path(root)
    cases = [Case(f"kv/{p.name}", p, p.stem.endswith("-ok")) for p in sorted((root / "kv").glob("*.txt"))]
    cases += [Case(f"etcd/{p.name}", p, int(p.stem.split("_")[1]) in LINEARIZABLE_ETCD)
              for p in sorted((root / "etcd").glob("etcd_*.log")) if p.name != NOT_A_CASE]
    return cases
