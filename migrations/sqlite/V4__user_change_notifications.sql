-- On PostgreSQL, V4 adds the trigger that tells API replicas when a user changes, so they can
-- remember authenticated users between requests. SQLite has no notifications, and FitHub does not
-- remember users on it (a lookup there is no round trip): nothing to do. The version exists so
-- both databases keep the same migration history.
SELECT 1;
