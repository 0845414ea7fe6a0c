-- Gap-free consumption of the outbox. SQLite runs one writer at a time, so ids commit in
-- order and tx_id stays 0; the column exists so that one SQL text orders both backends by
-- (tx_id, id). See the PostgreSQL migration of the same version for the horizon.
ALTER TABLE outbox ADD COLUMN tx_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_tx_idx ON outbox (tx_id, id);

ALTER TABLE event_cursors ADD COLUMN position_tx INTEGER NOT NULL DEFAULT 0;

-- Events a consumer could not use (a malformed payload, a member that no longer exists),
-- with the reason; consumption goes on past them and the 系统管理员 sees them.
CREATE TABLE failed_events (
    consumer    TEXT    NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES outbox (id),
    reason      TEXT    NOT NULL,
    failed_at   TEXT    NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
