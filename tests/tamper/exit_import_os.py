"""Attack: os._exit(0) while the submission is imported: no clean-up, no exception the tester could catch.
Unisolated, the tester process vanishes with status 0. Isolated, it is the student side that exits: a failed run."""
import os as _tamper_os

_tamper_os._exit(0)
