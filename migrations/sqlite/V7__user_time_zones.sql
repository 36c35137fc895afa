-- Per-user time zones (the README's "Time zones and the diary"): users.time_zone, an IANA name,
-- has existed since V1 with the default 'UTC'; from this release every calendar rule reads it.
-- The server checks names against its own copy of the IANA database; the database keeps the
-- column to something that can be one: never blank, and no longer than any IANA name can be.
-- SQLite cannot add a CHECK to an existing table, so two triggers hold the same rule as
-- PostgreSQL's users_time_zone_name constraint.
UPDATE users SET time_zone = 'UTC' WHERE trim(time_zone) = '' OR length(time_zone) > 64;
CREATE TRIGGER users_time_zone_name_insert BEFORE INSERT ON users
    WHEN NEW.time_zone = '' OR length(NEW.time_zone) > 64
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: users_time_zone_name');
END;
CREATE TRIGGER users_time_zone_name_update BEFORE UPDATE OF time_zone ON users
    WHEN NEW.time_zone = '' OR length(NEW.time_zone) > 64
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: users_time_zone_name');
END;
