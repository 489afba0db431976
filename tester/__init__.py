"""The lab tester: the harnesses (our config.go files), the lab tests, their registry and runners, the CLI.

    tester.run_one.run_test(name, seed=...)   run one lab test in a fresh simulated world -> RunResult
    tester.registry.select(["2A", ...])       the lab tests, by part, lab or Go name, in Go's order
    tester.cli.main / tester.cli.cli          the `raftlab` command (entry point / click group)
"""
