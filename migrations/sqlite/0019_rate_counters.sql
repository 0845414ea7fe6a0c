-- Per-account counts of rate-limited actions (SEC-44), one row per account, kind and hour.
-- Kept in the database rather than in memory so that several servers on one database share
-- the allowance and a restart does not reset it. Rows older than the previous hour are
-- deleted as the account acts again.
CREATE TABLE rate_counters (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, window_start)
);
