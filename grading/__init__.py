"""Instructors' grading tools: rubrics, isolated repeated runs of submissions, score reports.

Not built yet: no issue has asked for them. What exists today for grading: `raftlab test lab2 lab3 --impl DIR
--runs N --workers W --json FILE --junit FILE` runs a submission's tests over N seeds in isolated worker processes
and writes one record per run (test, seed, status, virtual and real seconds, RPCs, bytes, trace hash).
"""
