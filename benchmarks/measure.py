"""What every benchmark script shares: medians of repeated figures, and the machine's load beside them.

    median_of(measure, repeat) -> float     call measure() repeat times, return the median of what it returned
    print_load(when)                        print `load_average_<when>: L` (the 1-minute load average)
    repeat_option(parser)                   add --repeat N (default 3) to an argparse parser

A figure from a loaded machine is slow: read it next to the load printed before and after it, and compare two
versions side by side (A B A B), never against an absolute figure taken another day.
"""

from __future__ import annotations

import os
import statistics


def median_of(measure, repeat: int) -> float:
    return statistics.median(measure() for _ in range(max(1, repeat)))


def print_load(when: str) -> None:
    print(f"load_average_{when}: {os.getloadavg()[0]:.2f}", flush=True)


def repeat_option(parser) -> None:
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is printed (default 3)")
