"""Open a page in headless Chromium and read back what its script left in the DOM (for tests).

    CHROMIUM                                    the browser's path (chromium or chromium-browser on PATH)
    render_in_chromium(page, tmp_path, fragment="") -> (body attributes: dict, serialized DOM: str)

The page is loaded from a file:// URL with networking features off (no background fetches, no QUIC, no sync) and a
throwaway profile under tmp_path; `--dump-dom` prints the DOM once the page's scripts have run. A missing browser
fails the test (apt-get install -y chromium) instead of skipping it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render_in_chromium(page: Path, tmp_path: Path, fragment: str = "") -> tuple[dict[str, str], str]:
    """The <body> attributes and the whole DOM after the page's scripts ran. AssertionError when there is no
    browser, it fails, or its output has no <body>; subprocess.TimeoutExpired after 120 s."""
    assert CHROMIUM, "chromium is not installed (apt-get install -y chromium)"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", Path(page).resolve().as_uri() + fragment],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body, f"no <body> in the dumped DOM: {proc.stdout[:500]!r}"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1))), proc.stdout
