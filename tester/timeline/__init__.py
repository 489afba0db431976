"""See a run: one interactive timeline of peers, terms, messages, faults, checks and client operations.

    Recorder(test, seed)                  records one run on the trusted side (tester.timeline.recorder)
    active() -> Recorder | None           the running world's recorder, for the hooks in the harness and network
    recorded_check(fn)                    decorator: a harness check becomes a marker on the timeline
    tester.timeline.page.write_timeline(rec, path, *, replay=None) -> Path   the self-contained HTML page (imported
                                          on its own: the harness needs only the recorder)

Modules: recorder (the event model and the hooks' calls), decode (RPC payloads read for showing, never loaded),
model (the page's compact data: roles and terms inferred, level of detail, caps), page (the HTML), script (its
JavaScript).

`raftlab replay TEST --seed S --html run.html` draws one run; the batch runner draws each failing run next to its
log. Recording never changes the run: the trace hash is the same with and without it.
"""

from tester.timeline.recorder import Recorder, active, recorded_check

__all__ = ["Recorder", "active", "recorded_check"]
