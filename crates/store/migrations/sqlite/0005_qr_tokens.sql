-- Verification (issue 7). A CAB reserves the public token of a document before signing it, so the QR code on the
-- signed PDF can point at the authenticity page; the push then names the token. A reservation is used once: the
-- documents table's unique public_token is the "used" mark.
CREATE TABLE qr_tokens (
    token TEXT PRIMARY KEY,
    issuer TEXT NOT NULL REFERENCES institutions(id),
    reserved_ms BIGINT NOT NULL
);
-- A CAB's open reservations are counted (and bounded) per day.
CREATE INDEX qr_tokens_by_issuer ON qr_tokens(issuer, reserved_ms);
-- The permit-style status lookup asks by issuing country and document number.
CREATE INDEX documents_by_country_number ON documents(issuer_country, document_number);
