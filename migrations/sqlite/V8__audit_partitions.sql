-- PostgreSQL partitions the audit trail by month here. SQLite has no partitions: its retention
-- deletes old rows through the occurred_at index, which V1 created; this version only keeps the
-- two migration folders in step.
CREATE INDEX IF NOT EXISTS audit_log_occurred_idx ON audit_log (occurred_at);
