"""What a batch of runs leaves behind: the summary table, JSON records and JUnit XML.

    summary_table(records, test_names) -> rich Table   per test: passed/total, virtual s and real s (mean ± std),
                                                       mean RPCs, failing seeds
    write_json(records, path, in_process=False)    one object per run: test, seed, status, passed, message,
                                    virtual_s, real_s, rpcs, bytes, trace_hash, log, isolated (False: --in-process)
    write_junit(records, path, in_process=False)   one <testcase> per run (name "Test[seed=N]"), failures with
                                    their message; the property raftlab.isolated says where student code ran
"""

from __future__ import annotations

import json
import statistics
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from rich.table import Table


def _mean_std(values: list[float], digits: int = 1) -> str:
    if not values:
        return "-"
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.{digits}f} ± {spread:.{digits}f}"


def summary_table(records, test_names: list[str]) -> Table:
    by_test = defaultdict(list)
    for record in records:
        by_test[record.test].append(record)
    table = Table(title="raftlab runs", title_justify="left")
    table.add_column("test", no_wrap=True, min_width=max(map(len, test_names), default=4))
    for header, justify in (("passed", "right"), ("virtual s", "right"), ("real s", "right"),
                            ("RPCs", "right"), ("failing seeds", "left")):
        table.add_column(header, justify=justify)
    for name in test_names:
        runs = by_test.get(name, [])
        if not runs:
            continue
        passed = sum(r.passed for r in runs)
        failing = [f"{r.seed}" + ("" if r.status == "failed" else f" ({r.status})") for r in runs if not r.passed]
        table.add_row(name, f"{passed}/{len(runs)}", _mean_std([r.virtual_s for r in runs]),
                      _mean_std([r.real_s for r in runs], digits=2), f"{statistics.fmean(r.rpcs for r in runs):.0f}",
                      ", ".join(failing[:10]) + (" ..." if len(failing) > 10 else ""),
                      style="green" if passed == len(runs) else "red")
    return table


def write_json(records, path: Path, in_process: bool = False) -> None:
    rows = [{"test": r.test, "seed": r.seed, "status": r.status, "passed": r.passed, "message": r.message,
             "virtual_s": round(r.virtual_s, 3), "real_s": round(r.real_s, 3), "rpcs": r.rpcs, "bytes": r.bytes,
             "trace_hash": r.trace_hash, "log": r.log_path or None, "isolated": not in_process} for r in records]
    Path(path).write_text(json.dumps(rows, indent=1) + "\n")


def write_junit(records, path: Path, in_process: bool = False) -> None:
    suite = ET.Element("testsuite", name="raftlab", tests=str(len(records)),
                       failures=str(sum(r.status in ("failed", "nondeterministic", "unknown") for r in records)),
                       errors=str(sum(r.status in ("timeout", "crashed") for r in records)),
                       time=f"{sum(r.real_s for r in records):.3f}")
    # Where student code ran: --in-process results could have been changed by the submission (never grade them).
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="raftlab.isolated",
                  value="false" if in_process else "true")
    for r in records:
        case = ET.SubElement(suite, "testcase", classname=f"raftlab.{r.test}", name=f"{r.test}[seed={r.seed}]",
                             time=f"{r.real_s:.3f}")
        if not r.passed:
            tag = "error" if r.status in ("timeout", "crashed") else "failure"
            first = r.message.splitlines()[0] if r.message else r.status
            element = ET.SubElement(case, tag, message=f"{r.status}: {first}", type=r.status)
            element.text = r.message
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
