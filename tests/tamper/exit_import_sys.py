"""Attack: end the process with status 0 while the submission is imported (raise SystemExit(0)). Unisolated, the
tester dies mid-run and its caller sees success. Isolated, the student side exiting is a failed run, not a pass."""
raise SystemExit(0)
