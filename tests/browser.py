"""Open a page in headless Chromium and read back what its script left in the DOM (for tests).

    find_chromium() -> str                      the browser's path (chromium or chromium-browser on PATH); when it is
                                                missing: a failure under CI (CI set), else a skip saying how to install
    render_in_chromium(page, tmp_path, fragment="") -> (body attributes: dict, serialized DOM: str)

Why a real browser: the HTML history view (tester.porcupine.visualize) and the grading reports draw themselves with
JavaScript, and only running that script shows it renders every operation without an error. The page is loaded from
a file:// URL with networking features off (no background fetches, no QUIC, no sync) and a throwaway profile under
tmp_path; `--dump-dom` prints the DOM once the page's scripts have run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL = "apt-get install -y chromium"


def find_chromium() -> str:
    """The path of chromium (or chromium-browser) on PATH, looked up at each call. When there is none: pytest.fail
    under CI, which installs it (.ci/run), so its absence there is a broken setup and must not pass as a skip;
    elsewhere pytest.skip, with the command that installs it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    why = f"chromium is not on PATH: the HTML views are tested in a real headless browser ({INSTALL})"
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must have it", pytrace=False)
    pytest.skip(f"{why}; CI fails here instead of skipping")


def render_in_chromium(page: Path, tmp_path: Path, fragment: str = "") -> tuple[dict[str, str], str]:
    """The <body> attributes and the whole DOM after the page's scripts ran. No browser: see find_chromium.
    AssertionError when it fails or its output has no <body>; subprocess.TimeoutExpired after 120 s."""
    proc = subprocess.run(
        [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", Path(page).resolve().as_uri() + fragment],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body, f"no <body> in the dumped DOM: {proc.stdout[:500]!r}"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1))), proc.stdout
