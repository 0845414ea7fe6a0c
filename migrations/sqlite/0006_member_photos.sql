-- Optional member photos, re-encoded on upload (metadata removed) and kept in the database so
-- they are backed up with it.
CREATE TABLE member_photos (
    member_id   INTEGER NOT NULL PRIMARY KEY REFERENCES members (id),
    content     BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);
