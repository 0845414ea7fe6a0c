-- 通知公告: a notice is written by an officer of an organisation, addressed to organisations
-- (optionally with their subtrees) or chosen members, and published now or at a set time. At
-- publication the audience is fanned out into one recipient row per member, which carries the
-- read receipt.

CREATE TABLE notices (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES orgs (id),
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    receipt_required  INTEGER NOT NULL DEFAULT 0 CHECK (receipt_required IN (0, 1)),
    audience          TEXT    NOT NULL,
    audience_label    TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('scheduled', 'published', 'withdrawn')),
    publish_at        TEXT    NOT NULL,
    published_at      TEXT,
    recipients        INTEGER NOT NULL DEFAULT 0,
    last_reminded_at  TEXT,
    author_id         INTEGER REFERENCES users (id),
    author_name       TEXT    NOT NULL,
    created_at        TEXT    NOT NULL
);
CREATE INDEX notices_org ON notices (org_id, publish_at);
CREATE INDEX notices_due ON notices (publish_at) WHERE status = 'scheduled';

CREATE TABLE notice_recipients (
    notice_id   INTEGER NOT NULL REFERENCES notices (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    read_at     TEXT,
    PRIMARY KEY (notice_id, member_id)
);
CREATE INDEX notice_recipients_member ON notice_recipients (member_id, notice_id);

-- The notification centre: everything addressed to one account (new notices, reminders,
-- decisions on claims, reports), read one by one or all at once.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    link        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    read_at     TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- 党务公开: what a branch must disclose to its members (党费 collection, 评议 results, 发展
-- publicity), optionally also to the committee above. A 公示 runs from its first to its last
-- day and is over after that without anyone closing it.
CREATE TABLE disclosures (
    id                 INTEGER PRIMARY KEY,
    org_id             INTEGER NOT NULL REFERENCES orgs (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('dues', 'evaluation', 'development', 'other')),
    title              TEXT    NOT NULL,
    body               TEXT    NOT NULL,
    starts_on          TEXT    NOT NULL,
    ends_on            TEXT,
    visible_to_parent  INTEGER NOT NULL DEFAULT 0 CHECK (visible_to_parent IN (0, 1)),
    author_id          INTEGER REFERENCES users (id),
    author_name        TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    withdrawn_at       TEXT,
    withdrawn_reason   TEXT,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX disclosures_org ON disclosures (org_id, starts_on);

-- Reminders the jobs have sent, so each goes out once even across restarts: a meeting at each
-- lead time, a notice's automatic reminder.
CREATE TABLE reminders_sent (
    kind        TEXT    NOT NULL,
    subject_id  INTEGER NOT NULL,
    lead        TEXT    NOT NULL,
    sent_at     TEXT    NOT NULL,
    PRIMARY KEY (kind, subject_id, lead)
);

-- 党建群: each branch's own feed of posts with photos, comments and likes. Officers pin, hide
-- or delete with a reason; nothing is removed from the database.
CREATE TABLE feed_posts (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    author_id       INTEGER REFERENCES users (id),
    author_name     TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    removed         TEXT    CHECK (removed IN ('hidden', 'deleted')),
    removed_reason  TEXT,
    created_at      TEXT    NOT NULL
);
CREATE INDEX feed_posts_org ON feed_posts (org_id, id);

CREATE TABLE feed_photos (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES feed_posts (id),
    bytes       BLOB    NOT NULL
);
CREATE INDEX feed_photos_post ON feed_photos (post_id);

CREATE TABLE feed_comments (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES feed_posts (id),
    author_id   INTEGER REFERENCES users (id),
    author_name TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX feed_comments_post ON feed_comments (post_id, id);

CREATE TABLE feed_likes (
    post_id     INTEGER NOT NULL REFERENCES feed_posts (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE feed_seen (
    user_id       INTEGER NOT NULL REFERENCES users (id),
    org_id        INTEGER NOT NULL REFERENCES orgs (id),
    last_post_id  INTEGER NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
