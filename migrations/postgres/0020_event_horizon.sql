-- Gap-free consumption of the outbox on PostgreSQL (issue: events exactly once).
--
-- An identity value is taken when a row is inserted, not when its transaction commits, so a
-- consumer that read `id > cursor` could pass over an event whose transaction was still open.
-- Each event now carries the id of the transaction that wrote it, and consumers read only
-- events of transactions older than every transaction still running (the snapshot's xmin),
-- in (tx_id, id) order. Nothing can later appear below that horizon, so a cursor on the pair
-- never skips. Rows written before this migration keep tx_id 0 and sort first.
ALTER TABLE outbox ADD COLUMN tx_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ALTER COLUMN tx_id SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX outbox_tx_idx ON outbox (tx_id, id);

ALTER TABLE event_cursors ADD COLUMN position_tx BIGINT NOT NULL DEFAULT 0;

-- Events a consumer could not use (a malformed payload, a member that no longer exists),
-- with the reason; consumption goes on past them and the 系统管理员 sees them.
CREATE TABLE failed_events (
    consumer    TEXT        NOT NULL,
    event_id    BIGINT      NOT NULL REFERENCES outbox (id),
    reason      TEXT        NOT NULL,
    failed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
