-- Idempotency keys (API.md §6.5): the first answer to a create, kept for 24 hours per user and key
-- so that a retry with the same key gets it again instead of creating twice. `status` and `body`
-- stay NULL while the first request is being processed.
CREATE TABLE idempotency_keys (
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    status          INTEGER,
    body            TEXT,
    location        TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
