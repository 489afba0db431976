"""The skeletons handed to students: `raftlab init DIR` copies raft/ and kvraft/ (and README.md) into DIR."""
