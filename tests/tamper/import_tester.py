"""Attack: import the tester from inside the submission and replace testing.T.run, which runs a test's body,
with a fake that runs nothing, reports no failure and marks the test completed. Unisolated, every test that starts
after this import passes (the original exploit: 54 of 56 lab-2 runs). Isolated, the student side has no `tester`
to import."""
import tester.testing


async def _tamper_run_nothing(self, fn):
    self.completed = True   # what the tester reads as "the test ran to its end"


tester.testing.T.run = _tamper_run_nothing
