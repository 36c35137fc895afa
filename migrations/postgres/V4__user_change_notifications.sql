-- Each API replica remembers the users it authenticated recently, so that a request can skip the
-- user lookup (fithub-core/src/accounts/user_cache.rs). This trigger tells every replica when a
-- user changes, whoever changed it: a replica, `fithub user ...`, or SQL typed by hand.
-- pg_notify is delivered when the transaction commits, and not at all if it rolls back.
-- The payload is the user's id, or '*' when the table was truncated.
CREATE FUNCTION notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('fithub_users', '*');
    ELSE
        PERFORM pg_notify('fithub_users', OLD.id::text);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_notify_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_user_changed();
CREATE TRIGGER users_notify_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_user_changed();
