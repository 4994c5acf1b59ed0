-- Portal users (issue 8): people who sign in for one institution, their server-side sessions and recovery codes.
-- Secrets are kept only in forms useless when read: the password as an argon2id PHC string, the TOTP secret
-- encrypted with the hub's key file, session tokens and recovery codes as SHA-256 digests.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    institution_id TEXT NOT NULL REFERENCES institutions(id),
    -- Lower-case login name.
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- Role codes, comma separated, sorted.
    roles TEXT NOT NULL,
    status TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret_enc BLOB,
    -- The last accepted TOTP time step: codes of this step or earlier are replays.
    totp_last_step BIGINT,
    failed_logins BIGINT NOT NULL,
    locked_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    CONSTRAINT users_unique_username UNIQUE (username)
);
CREATE INDEX users_by_institution ON users(institution_id, username);
CREATE TABLE user_sessions (
    token_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    pending_totp_secret_enc BLOB,
    created_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    -- The absolute end; the idle end (last_seen_ms + the hub's setting) is checked by the hub.
    expires_ms BIGINT NOT NULL
);
CREATE INDEX user_sessions_by_user ON user_sessions(user_id);
CREATE INDEX user_sessions_by_expiry ON user_sessions(expires_ms);
CREATE INDEX user_sessions_by_last_seen ON user_sessions(last_seen_ms);
CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_ms BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
