-- 通知公告: a notice is written by an officer of an organisation, addressed to organisations
-- (optionally with their subtrees) or chosen members, and published now or at a set time. At
-- publication the audience is fanned out into one recipient row per member, which carries the
-- read receipt.

CREATE TABLE notices (
    id                BIGSERIAL PRIMARY KEY,
    org_id            BIGINT      NOT NULL REFERENCES orgs (id),
    title             TEXT        NOT NULL,
    body              TEXT        NOT NULL,
    receipt_required  BOOLEAN     NOT NULL DEFAULT FALSE,
    audience          TEXT        NOT NULL,
    audience_label    TEXT        NOT NULL,
    status            TEXT        NOT NULL CHECK (status IN ('scheduled', 'published', 'withdrawn')),
    publish_at        TIMESTAMPTZ NOT NULL,
    published_at      TIMESTAMPTZ,
    recipients        BIGINT      NOT NULL DEFAULT 0,
    last_reminded_at  TIMESTAMPTZ,
    author_id         BIGINT      REFERENCES users (id),
    author_name       TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX notices_org ON notices (org_id, publish_at);
CREATE INDEX notices_due ON notices (publish_at) WHERE status = 'scheduled';

CREATE TABLE notice_recipients (
    notice_id   BIGINT      NOT NULL REFERENCES notices (id),
    member_id   BIGINT      NOT NULL REFERENCES members (id),
    read_at     TIMESTAMPTZ,
    PRIMARY KEY (notice_id, member_id)
);
CREATE INDEX notice_recipients_member ON notice_recipients (member_id, notice_id);

-- The notification centre: everything addressed to one account (new notices, reminders,
-- decisions on claims, reports), read one by one or all at once.
CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    kind        TEXT        NOT NULL,
    title       TEXT        NOT NULL,
    link        TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- 党务公开: what a branch must disclose to its members (党费 collection, 评议 results, 发展
-- publicity), optionally also to the committee above. A 公示 runs from its first to its last
-- day and is over after that without anyone closing it.
CREATE TABLE disclosures (
    id                 BIGSERIAL PRIMARY KEY,
    org_id             BIGINT      NOT NULL REFERENCES orgs (id),
    kind               TEXT        NOT NULL CHECK (kind IN ('dues', 'evaluation', 'development', 'other')),
    title              TEXT        NOT NULL,
    body               TEXT        NOT NULL,
    starts_on          DATE        NOT NULL,
    ends_on            DATE,
    visible_to_parent  BOOLEAN     NOT NULL DEFAULT FALSE,
    author_id          BIGINT      REFERENCES users (id),
    author_name        TEXT        NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    withdrawn_at       TIMESTAMPTZ,
    withdrawn_reason   TEXT,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX disclosures_org ON disclosures (org_id, starts_on);

-- Reminders the jobs have sent, so each goes out once even across restarts: a meeting at each
-- lead time, a notice's automatic reminder.
CREATE TABLE reminders_sent (
    kind        TEXT        NOT NULL,
    subject_id  BIGINT      NOT NULL,
    lead        TEXT        NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, subject_id, lead)
);

-- 党建群: each branch's own feed of posts with photos, comments and likes. Officers pin, hide
-- or delete with a reason; nothing is removed from the database.
CREATE TABLE feed_posts (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT      NOT NULL REFERENCES orgs (id),
    author_id       BIGINT      REFERENCES users (id),
    author_name     TEXT        NOT NULL,
    body            TEXT        NOT NULL,
    pinned          BOOLEAN     NOT NULL DEFAULT FALSE,
    removed         TEXT        CHECK (removed IN ('hidden', 'deleted')),
    removed_reason  TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_posts_org ON feed_posts (org_id, id);

CREATE TABLE feed_photos (
    id          BIGSERIAL PRIMARY KEY,
    post_id     BIGINT NOT NULL REFERENCES feed_posts (id),
    bytes       BYTEA  NOT NULL
);
CREATE INDEX feed_photos_post ON feed_photos (post_id);

CREATE TABLE feed_comments (
    id          BIGSERIAL PRIMARY KEY,
    post_id     BIGINT      NOT NULL REFERENCES feed_posts (id),
    author_id   BIGINT      REFERENCES users (id),
    author_name TEXT        NOT NULL,
    body        TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_comments_post ON feed_comments (post_id, id);

CREATE TABLE feed_likes (
    post_id     BIGINT NOT NULL REFERENCES feed_posts (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (post_id, user_id)
);

CREATE TABLE feed_seen (
    user_id       BIGINT NOT NULL REFERENCES users (id),
    org_id        BIGINT NOT NULL REFERENCES orgs (id),
    last_post_id  BIGINT NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
