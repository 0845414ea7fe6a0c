-- Optional member photos, re-encoded on upload (metadata removed) and kept in the database so
-- they are backed up with it.
CREATE TABLE member_photos (
    member_id   BIGINT NOT NULL PRIMARY KEY REFERENCES members (id),
    content     BYTEA NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
