-- Group bots (群机器人) of WeCom, DingTalk and Feishu, and attachments of notices.
-- A bot belongs to one organisation and forwards the event kinds chosen for it. Messages wait in
-- bot_deliveries and a background job sends them, so a slow or broken webhook never holds up the
-- request that caused the message. A delivery is claimed ('sending') before the request goes
-- out; one found still 'sending' after a crash is marked 'uncertain' and never sent again, so a
-- message is not posted twice.
CREATE TABLE bots (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'feishu')),
    webhook_url     TEXT    NOT NULL,
    secret          TEXT,
    events          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'paused')),
    paused_reason   TEXT    NOT NULL DEFAULT '',
    failures        INTEGER NOT NULL DEFAULT 0,
    last_sent_at    TEXT,
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX bots_org ON bots (org_id);

CREATE TABLE bot_deliveries (
    id               INTEGER PRIMARY KEY,
    bot_id           INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    event_kind       TEXT    NOT NULL,
    dedupe_key       TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    link             TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    claimed_at       TEXT,
    response         TEXT    NOT NULL DEFAULT '',
    created_at       TEXT    NOT NULL,
    finished_at      TEXT,
    UNIQUE (bot_id, dedupe_key)
);
CREATE INDEX bot_deliveries_due ON bot_deliveries (status, next_attempt_at);
CREATE INDEX bot_deliveries_log ON bot_deliveries (bot_id, id);

-- A notice made from a 积分通报 goes to the bots that forward 通报, not those for notices.
ALTER TABLE notices ADD COLUMN bot_event TEXT NOT NULL DEFAULT 'notice';

-- Attachments of a notice (PDF, Office documents, pictures re-encoded without metadata), stored
-- in the database so they are backed up with it; fixed once the notice is published.
CREATE TABLE notice_files (
    id            INTEGER PRIMARY KEY,
    notice_id     INTEGER NOT NULL REFERENCES notices (id),
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    content       BLOB    NOT NULL,
    uploaded_by   INTEGER REFERENCES users (id),
    uploaded_at   TEXT    NOT NULL
);
CREATE INDEX notice_files_notice ON notice_files (notice_id);
