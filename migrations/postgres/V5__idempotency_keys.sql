-- Idempotency keys (API.md §6.5): the first answer to a create, kept for 24 hours per user and key
-- so that a retry with the same key gets it again instead of creating twice. `status` and `body`
-- stay NULL while the first request is being processed.
CREATE TABLE idempotency_keys (
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key varchar(255) NOT NULL,
    fingerprint     varchar(64) NOT NULL,
    status          integer,
    body            text,
    location        text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
