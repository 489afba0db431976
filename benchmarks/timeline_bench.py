"""Size and open time of `raftlab replay --html` pages for large runs (tester.timeline).

    python benchmarks/timeline_bench.py [--repeat 3] [TEST ...]   (default: the largest lab-3 test, Figure8Unreliable)

For each test (seed 1, the reference): replays it once with --html, then opens the page --repeat times in headless
Chromium (--dump-dom). Prints `name: value` lines: RPCs, page bytes, the page's own time from navigation to its
first full drawing (data-open-ms, median), Chromium's wall time start to finish (median), and the load average
before and after. Needs chromium (or chromium-browser / google-chrome) on PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TESTS = ["TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B", "TestFigure8Unreliable2C"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("timeline_bench: no chromium on PATH (apt-get install chromium)")


def attribute(dom: str, name: str) -> str:
    found = re.search(rf'data-{name}="([^"]*)"', dom)
    return found.group(1) if found else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", default=DEFAULT_TESTS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    browser = chromium()
    print(f"load_average_before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        for test in args.tests:
            page = Path(scratch) / f"{test}.html"
            subprocess.run([sys.executable, "-m", "tester.cli", "replay", test, "--seed", "1", "--html", str(page)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if not page.exists():
                print(f"{test}.error: no page written")
                continue
            opens, walls, dom = [], [], ""
            for k in range(args.repeat):
                started = time.monotonic()
                dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                                      f"--user-data-dir={scratch}/profile-{k}", "--dump-dom", page.as_uri()],
                                     capture_output=True, text=True, timeout=120).stdout
                walls.append(time.monotonic() - started)
                opens.append(float(attribute(dom, "open-ms") or "nan"))
            print(f"{test}.rpcs: {attribute(dom, 'rpcs')}")
            print(f"{test}.page_mb: {page.stat().st_size / 1e6:.1f}")
            print(f"{test}.open_ms_median: {statistics.median(opens):.0f}")
            print(f"{test}.chromium_wall_s_median: {statistics.median(walls):.2f}")
            print(f"{test}.script_errors: {attribute(dom, 'script-errors') or 'none'}")
    print(f"load_average_after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
