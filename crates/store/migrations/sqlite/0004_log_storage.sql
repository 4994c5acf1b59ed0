-- SQLite storage layout of the audit log, for append throughput (issue 5). In SQLite only `INTEGER PRIMARY KEY`
-- makes a column the rowid: `seq BIGINT PRIMARY KEY` kept a separate unique index beside the rowid table, and
-- the rowid table of log_nodes duplicated its (lvl, idx) key index. Every appended leaf paid for both extra
-- B-trees. Same columns, same meaning; PostgreSQL needs no such change.
CREATE TABLE audit_events_v2 (
    seq INTEGER PRIMARY KEY,
    event_type TEXT NOT NULL,
    actor TEXT,
    subject_institution TEXT,
    time_ms BIGINT NOT NULL,
    leaf BLOB NOT NULL
);
INSERT INTO audit_events_v2 (seq, event_type, actor, subject_institution, time_ms, leaf)
    SELECT seq, event_type, actor, subject_institution, time_ms, leaf FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_v2 RENAME TO audit_events;
CREATE INDEX audit_events_by_subject ON audit_events(subject_institution, seq);
CREATE INDEX audit_events_by_actor ON audit_events(actor, seq);

CREATE TABLE log_nodes_v2 (
    lvl INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (lvl, idx)
) WITHOUT ROWID;
INSERT INTO log_nodes_v2 (lvl, idx, hash) SELECT lvl, idx, hash FROM log_nodes;
DROP TABLE log_nodes;
ALTER TABLE log_nodes_v2 RENAME TO log_nodes;
