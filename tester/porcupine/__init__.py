"""Porcupine for raftlab: a linearizability checker (spec §7), its models, history files and HTML view.

Operation, Event, CALL, RETURN, Annotation, events_to_operations, operations_to_events    (history.py)
Model, KvModel, KV_MODEL, RegisterModel, REGISTER_MODEL, MODELS, KvInput, KvOutput, RegisterInput, RegisterOutput,
    GET, PUT, APPEND, READ, WRITE, CAS                                                      (models.py)
CheckResult, check_operations, check_operations_verbose, check_events, check_events_verbose,
    LinearizationInfo, PartitionInfo                                                        (checker.py)
History, load_history, parse_kv_log, parse_etcd_log, parse_json_history, write_history,
    HistoryFormatError                                                                      (parsers.py)
visualize(model, history_or_info, path, annotations=(), timeout=5.0, title=None) -> Path  (visualize.py)
Not exported: page.py (the HTML template), testdata.py (Porcupine's public histories and their verdicts).
"""
from .checker import (CheckResult, LinearizationInfo, PartitionInfo, check_events, check_events_verbose,
                      check_operations, check_operations_verbose)
from .history import CALL, RETURN, Annotation, Event, Operation, events_to_operations, operations_to_events
from .models import (APPEND, CAS, GET, KV_MODEL, MODELS, PUT, READ, REGISTER_MODEL, WRITE, KvInput, KvModel,
                     KvOutput, Model, RegisterInput, RegisterModel, RegisterOutput)
from .parsers import (History, HistoryFormatError, load_history, parse_etcd_log, parse_json_history, parse_kv_log,
                      write_history)
from .visualize import visualize
