-- Participants, accreditation, scope, Public Key Registry, credentials and the audit log.
-- Times are unix milliseconds (BIGINT), dates ISO 'YYYY-MM-DD' (TEXT), ids UUIDv7 text.
CREATE TABLE countries (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE institutions (
    id TEXT PRIMARY KEY,
    country TEXT NOT NULL REFERENCES countries(code),
    name TEXT NOT NULL,
    contacts_json TEXT NOT NULL,
    status TEXT NOT NULL,
    withdrawal_notice TEXT,
    withdrawal_effective TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    UNIQUE (country, name)
);
CREATE TABLE institution_roles (
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    role TEXT NOT NULL,
    PRIMARY KEY (institution_id, role)
);
CREATE INDEX institution_roles_by_role ON institution_roles(role, institution_id);
CREATE TABLE accreditation_bodies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    arrangement TEXT NOT NULL,
    predecessor TEXT REFERENCES accreditation_bodies(id),
    created_ms BIGINT NOT NULL
);
CREATE TABLE accreditations (
    id TEXT PRIMARY KEY,
    cab_id TEXT NOT NULL REFERENCES institutions(id),
    basis TEXT NOT NULL,
    body_id TEXT REFERENCES accreditation_bodies(id),
    designated_by TEXT REFERENCES institutions(id),
    certificate_number TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    suspended BOOLEAN NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (cab_id, basis, certificate_number)
);
CREATE TABLE scope_entries (
    id TEXT PRIMARY KEY,
    cab_id TEXT NOT NULL REFERENCES institutions(id),
    document_type TEXT NOT NULL,
    hs_prefix TEXT NOT NULL,
    destinations TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    created_ms BIGINT NOT NULL,
    UNIQUE (cab_id, document_type, hs_prefix, destinations, valid_from)
);
CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    fingerprint TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    not_before_ms BIGINT NOT NULL,
    not_after_ms BIGINT NOT NULL,
    is_ca BOOLEAN NOT NULL,
    key_algorithm TEXT NOT NULL,
    der BLOB NOT NULL,
    status TEXT NOT NULL,
    replaces TEXT REFERENCES certificates(id),
    replaced_by TEXT REFERENCES certificates(id),
    revoked_ms BIGINT,
    revocation_reason TEXT,
    registered_ms BIGINT NOT NULL
);
CREATE INDEX certificates_by_institution ON certificates(institution_id, id);
CREATE TABLE certificate_history (
    certificate_id TEXT NOT NULL REFERENCES certificates(id),
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (certificate_id, seq)
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    label TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX api_keys_by_institution ON api_keys(institution_id, id);
-- The audit log: seq is the leaf index of the transparency log; log_head serialises appends across processes.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    event_type TEXT NOT NULL,
    actor TEXT,
    subject_institution TEXT,
    time_ms BIGINT NOT NULL,
    leaf BLOB NOT NULL
);
CREATE INDEX audit_events_by_subject ON audit_events(subject_institution, seq);
CREATE INDEX audit_events_by_actor ON audit_events(actor, seq);
