-- Model A exchanges (issue 6): the data layers of submitted documents (L2 metadata, L3 evidence, L4 PKI data;
-- the PDF itself, L1, lives in the blob store), one exchange per receiver, the issuer's status history, webhook
-- endpoints, idempotency keys and the job table. Times are unix milliseconds, dates ISO text, digests lower-case
-- hex. Child rows of a document cascade on its deletion, so the metadata purge leaves nothing dangling.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL REFERENCES institutions(id),
    issuer_country TEXT NOT NULL,
    -- Copies of metadata_json fields, for uniqueness and filters.
    document_number TEXT NOT NULL,
    document_type TEXT NOT NULL,
    destination_country TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    metadata_json TEXT NOT NULL,
    status TEXT NOT NULL,
    -- SET NULL: the replacing document may reach its retention end first.
    replaced_by TEXT REFERENCES documents(id) ON DELETE SET NULL,
    pdf_sha256 TEXT NOT NULL,
    pdf_size BIGINT NOT NULL,
    pdf_deleted_ms BIGINT,
    signer_certificate TEXT NOT NULL REFERENCES certificates(id),
    public_token TEXT NOT NULL,
    submitted_ms BIGINT NOT NULL,
    submitted_leaf BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    -- Constraint names carry the field name: the store reports which uniqueness failed from them.
    CONSTRAINT documents_unique_document_number UNIQUE (issuer, document_number),
    CONSTRAINT documents_unique_pdf_sha256 UNIQUE (issuer, pdf_sha256),
    CONSTRAINT documents_unique_public_token UNIQUE (public_token)
);
CREATE INDEX documents_by_submission ON documents(submitted_ms, id);
CREATE INDEX documents_by_issuer ON documents(issuer, submitted_ms, id);
CREATE INDEX documents_by_pdf_sha256 ON documents(pdf_sha256);
CREATE INDEX documents_with_cached_pdf ON documents(submitted_ms) WHERE pdf_deleted_ms IS NULL;
CREATE TABLE document_hs_codes (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (document_id, code)
);
CREATE INDEX document_hs_codes_by_code ON document_hs_codes(code, document_id);
CREATE TABLE evidence (
    document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    report_json TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX evidence_by_age ON evidence(created_ms);
CREATE TABLE pki_data (
    document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    data_json TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX pki_data_by_age ON pki_data(created_ms);
CREATE TABLE exchanges (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    issuer TEXT NOT NULL REFERENCES institutions(id),
    receiver TEXT NOT NULL REFERENCES institutions(id),
    status TEXT NOT NULL,
    reply_json TEXT,
    delivery_attempts BIGINT NOT NULL,
    last_delivery_error TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    change_seq BIGINT NOT NULL,
    CONSTRAINT exchanges_unique_receiver UNIQUE (document_id, receiver)
);
CREATE INDEX exchanges_by_receiver_change ON exchanges(receiver, change_seq);
CREATE TABLE document_status_history (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    replaced_by TEXT,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (document_id, seq)
);
CREATE TABLE idempotency_keys (
    issuer TEXT NOT NULL REFERENCES institutions(id),
    client_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (issuer, client_key)
);
CREATE INDEX idempotency_keys_by_document ON idempotency_keys(document_id);
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    url TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    CONSTRAINT webhooks_unique_url UNIQUE (institution_id, url)
);
-- Background work. A job is deleted when it completes; unique_key allows one pending job per key.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    run_ms BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    unique_key TEXT
);
CREATE UNIQUE INDEX jobs_unique_key ON jobs(unique_key);
CREATE INDEX jobs_due ON jobs(run_ms, id);
