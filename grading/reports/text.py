"""Text helpers shared by the reports: what any student-controlled string goes through before it is shown.

    clean(text) -> str                  drop terminal escapes (ANSI CSI/OSC), replace other control characters that
                                        HTML forbids and lone surrogates with U+FFFD; keeps tab and newline
    printable(text) -> str              only control characters and lone surrogates replaced by U+FFFD, in place
    FORBIDDEN                           the pattern of what clean() replaces (a validator's test for unsafe text)
    head(text, lines, width=300) -> (str, int)   the first `lines` lines, each cut to `width`; and how many were left
    tail(text, lines, width=300) -> (str, int)   the last `lines` lines likewise; and how many were left out
    points(value) -> str                at most 2 decimals, no trailing zeros: 10.0 -> "10", 20/3 -> "6.67"
    feedback_stems(names) -> [str]      a file-name stem per name (same order): portable, unique even on a
                                        case-insensitive file system, and recognisably the student's name
"""

from __future__ import annotations

import hashlib
import re

# CSI (colours, cursor moves) and OSC (window titles, hyperlinks) sequences: noise in a report, and an OSC in a
# Markdown file that staff `cat` could rewrite their terminal's title or links.
_TERMINAL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# What HTML forbids in text (C0 but tab/LF/CR, DEL, C1) and what UTF-8 cannot encode (lone surrogates, which
# os.listdir gives for undecodable folder names).
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` safe to put in HTML or Markdown once escaped: see the module docstring. \\r\\n becomes \\n."""
    text = _TERMINAL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return FORBIDDEN.sub("\ufffd", text)


def printable(text: str) -> str:
    """`text` with every control character but tab, LF and CR, and every lone surrogate, replaced by U+FFFD; the
    rest unchanged (a gradebook keeps names as they are, but no terminal escape reaches a `cat` of it)."""
    return FORBIDDEN.sub("\ufffd", str(text))


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[:width - 1] + "\u2026"


def head(text: str, lines: int, width: int = 300) -> tuple[str, int]:
    """The first `lines` lines of clean(text), each at most `width` characters, and the count of lines left out."""
    all_lines = clean(text).rstrip("\n").split("\n") if text else []
    return "\n".join(_cut(line, width) for line in all_lines[:lines]), max(len(all_lines) - lines, 0)


def tail(text: str, lines: int, width: int = 300) -> tuple[str, int]:
    """The last `lines` lines of clean(text), each at most `width` characters, and the count of lines left out."""
    all_lines = clean(text).rstrip("\n").split("\n") if text else []
    kept = all_lines[-lines:] if lines else []
    return "\n".join(_cut(line, width) for line in kept), len(all_lines) - len(kept)


def points(value: float) -> str:
    """A score as a gradebook shows it: "10", "7.5", "6.67"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def feedback_stems(names: list[str]) -> list[str]:
    """One stem per name, in order. A name that is not already plain ASCII letters, digits, ".", "_" and "-" is
    cleaned and given 8 hex digits of its sha256, so that "a b" and "a_b" stay apart; names equal when lower-cased
    (or given twice) get "-2", "-3", ... so that no feedback file overwrites another."""
    stems, used = [], set()
    for name in names:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:80] or "student"
        if stem != name:
            stem += "-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        unique, n = stem, 1
        while unique.lower() in used:
            n += 1
            unique = f"{stem}-{n}"
        used.add(unique.lower())
        stems.append(unique)
    return stems
