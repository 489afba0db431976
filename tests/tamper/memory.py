"""Attack: exhaust memory at import: keep allocating (and touching) 1 GB byte strings until allocation fails.
Expected: the student side's memory cap stops it, and the run fails naming memory, without hurting the machine."""
_tamper_hoard = []
while True:
    _tamper_hoard.append(b"x" * (1 << 30))
