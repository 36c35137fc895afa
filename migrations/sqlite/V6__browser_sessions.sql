-- Browser sessions (the `sessionid` cookie of /auth/): only the SHA-256 of the random session id
-- is kept, so a copy of the database signs nobody in. A row lives until its expiry, the user's
-- logout, or any event that ends the user's credentials (password change, deactivation,
-- deletion); expired rows are purged by the API.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client_addr TEXT,
    user_agent TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
