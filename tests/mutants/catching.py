"""How the mutant tests decide that a test catches a mutant (tests/test_mutants.py, tests/test_kv_mutants.py).

    SEEDS                                   seeds tried, in order (the issue's bound: caught within 10 seeds)
    first_failure(mutant, test) -> RunResult   the first failing run of `test` against tests.mutants.<mutant>;
                                            asserts there is one, and that the reference passes that test on that
                                            seed too, so the failure is the mutant's doing and not the test's
"""

from tester.run_one import run_test

SEEDS = range(1, 11)


def first_failure(mutant: str, test: str):
    for seed in SEEDS:
        result = run_test(test, seed=seed, impl=f"tests.mutants.{mutant}", quiet=True)
        if not result.passed:
            reference = run_test(test, seed=seed, quiet=True)
            assert reference.passed, f"the reference fails {test} on seed {seed} too:\n{reference.output}"
            return result
    raise AssertionError(f"{test} passed {mutant} on seeds {SEEDS.start}-{SEEDS.stop - 1}")
