-- Uploaded files waiting for a decision (an import checked but not yet confirmed). The content
-- is deleted once the import is committed or abandoned.
CREATE TABLE uploads (
    id          INTEGER PRIMARY KEY,
    purpose     TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    file_name   TEXT    NOT NULL,
    content     BLOB    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX uploads_user_idx ON uploads (user_id);
