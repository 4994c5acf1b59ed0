-- The transparency log over audit_events (issue 5). Leaf i of the Merkle tree is audit_events.leaf of seq i.
-- log_nodes keeps every complete subtree hash: (lvl, idx) covers leaves [idx * 2^lvl, (idx + 1) * 2^lvl), and
-- lvl 0 holds the leaf hashes. Rows are written once, in the transaction that appends their last leaf, and never
-- change; roots and proofs for any size are composed from O(log n) of them.
CREATE TABLE log_nodes (
    lvl BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (lvl, idx)
);
-- Signed checkpoints (C2SP signed notes), one per tree size at most.
CREATE TABLE log_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root BYTEA NOT NULL,
    note TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
