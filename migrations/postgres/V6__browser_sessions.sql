-- Browser sessions (the `sessionid` cookie of /auth/): only the SHA-256 of the random session id
-- is kept, so a copy of the database signs nobody in. A row lives until its expiry, the user's
-- logout, or any event that ends the user's credentials (password change, deactivation,
-- deletion); expired rows are purged by the API.
CREATE TABLE sessions (
    id_hash    varchar(64) PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    client_addr varchar(45),
    user_agent varchar(255) NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
