-- Per-user time zones (the README's "Time zones and the diary"): users.time_zone, an IANA name,
-- has existed since V1 with the default 'UTC'; from this release every calendar rule reads it.
-- The server checks names against its own copy of the IANA database; the database keeps the
-- column to something that can be one: never blank, and no longer than any IANA name can be.
UPDATE users SET time_zone = 'UTC' WHERE btrim(time_zone) = '' OR char_length(time_zone) > 64;
ALTER TABLE users ADD CONSTRAINT users_time_zone_name
    CHECK (time_zone <> '' AND char_length(time_zone) <= 64);
