-- 三会一课 and other organisational life: cadence rules as dated data (national defaults plus
-- per-organisation tightening), meetings with their kinds, expected attendees and check-in,
-- 请假 requests, minutes as append-only revisions, photos and attachments kept in the database
-- (so they are backed up with it), the outbox of domain events, and personal calendar feeds.

CREATE TABLE meeting_cadences (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER REFERENCES orgs (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('branch_general', 'branch_committee', 'group', 'lecture',
                                                     'theme_day', 'org_life', 'appraisal', 'other')),
    applies_to      TEXT    NOT NULL,
    period          TEXT    NOT NULL CHECK (period IN ('month', 'quarter', 'year')),
    min_count       INTEGER NOT NULL CHECK (min_count >= 1),
    rule_ref        TEXT    NOT NULL DEFAULT '',
    effective_from  TEXT    NOT NULL,
    effective_to    TEXT,
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT    NOT NULL
);
CREATE INDEX meeting_cadences_org_idx ON meeting_cadences (org_id);

INSERT INTO meeting_cadences (org_id, kind, applies_to, period, min_count, rule_ref, effective_from, created_at) VALUES
    (NULL, 'branch_general', 'branch,joint_branch,temporary_branch', 'quarter', 1, 'MEET-01', '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'branch_committee', 'branch,joint_branch,temporary_branch', 'month', 1, 'MEET-02', '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'group', 'group', 'month', 1, 'MEET-03', '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'lecture', 'branch,joint_branch,temporary_branch', 'quarter', 1, 'MEET-04', '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'theme_day', 'branch,joint_branch,temporary_branch', 'month', 1, 'MEET-05', '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'org_life', 'branch,joint_branch,temporary_branch', 'year', 1, 'MEET-06', '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'appraisal', 'branch,joint_branch,temporary_branch', 'year', 1, 'MEET-07', '2018-10-28', '2018-10-28T00:00:00Z');

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    title           TEXT    NOT NULL,
    starts_at       TEXT    NOT NULL,
    ends_at         TEXT    NOT NULL,
    place           TEXT    NOT NULL DEFAULT '',
    host_name       TEXT    NOT NULL DEFAULT '',
    recorder_name   TEXT    NOT NULL DEFAULT '',
    agenda          TEXT    NOT NULL DEFAULT '[]',
    guests          TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
    checkin_key     TEXT    NOT NULL,
    cancel_reason   TEXT    NOT NULL DEFAULT '',
    draft           TEXT    NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    held_at         TEXT,
    reviewed_by     INTEGER REFERENCES users (id),
    reviewed_by_name TEXT   NOT NULL DEFAULT '',
    reviewed_at     TEXT,
    review_comment  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX meetings_org_start_idx ON meetings (org_id, starts_at);
CREATE INDEX meetings_start_idx ON meetings (starts_at);

CREATE TABLE meeting_kinds (
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('branch_general', 'branch_committee', 'group', 'lecture',
                                                 'theme_day', 'org_life', 'appraisal', 'other')),
    PRIMARY KEY (meeting_id, kind)
);

CREATE TABLE meeting_attendees (
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id),
    member_id       INTEGER NOT NULL REFERENCES members (id),
    name            TEXT    NOT NULL,
    voting          BOOLEAN NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'absent' CHECK (status IN ('absent', 'present', 'leave')),
    method          TEXT    CHECK (method IN ('qr', 'proxy')),
    checked_in_at   TEXT,
    proxy_by        INTEGER REFERENCES users (id),
    proxy_reason    TEXT    NOT NULL DEFAULT '',
    absence_note    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_attendees_member_idx ON meeting_attendees (member_id);

CREATE TABLE meeting_leaves (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id),
    member_id       INTEGER NOT NULL REFERENCES members (id),
    reason          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by    INTEGER REFERENCES users (id),
    requested_at    TEXT    NOT NULL,
    decided_by      INTEGER REFERENCES users (id),
    decided_at      TEXT,
    decision_note   TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX meeting_leaves_open_key ON meeting_leaves (meeting_id, member_id) WHERE status <> 'rejected';

CREATE TABLE meeting_minutes (
    id               INTEGER PRIMARY KEY,
    meeting_id       INTEGER NOT NULL REFERENCES meetings (id),
    revision         INTEGER NOT NULL,
    content          TEXT    NOT NULL,
    reason           TEXT    NOT NULL DEFAULT '',
    recorded_by      INTEGER REFERENCES users (id),
    recorded_by_name TEXT    NOT NULL,
    recorded_at      TEXT    NOT NULL,
    UNIQUE (meeting_id, revision)
);
CREATE TRIGGER meeting_minutes_no_update BEFORE UPDATE ON meeting_minutes
BEGIN SELECT RAISE(ABORT, 'meeting_minutes is append-only'); END;
CREATE TRIGGER meeting_minutes_no_delete BEFORE DELETE ON meeting_minutes
BEGIN SELECT RAISE(ABORT, 'meeting_minutes is append-only'); END;

CREATE TABLE meeting_files (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('photo', 'attachment')),
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    content       BLOB    NOT NULL,
    uploaded_by   INTEGER REFERENCES users (id),
    uploaded_at   TEXT    NOT NULL
);
CREATE INDEX meeting_files_meeting_idx ON meeting_files (meeting_id);

-- Domain events for other areas (architecture.md §9), written in the same transaction as the
-- change. `subject` names what the event is about; a later event on the same subject supersedes
-- an earlier one (a corrected attendance).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    topic       TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX outbox_topic_idx ON outbox (topic, id);
CREATE INDEX outbox_subject_idx ON outbox (subject, id);

CREATE TABLE calendar_feeds (
    user_id     INTEGER NOT NULL PRIMARY KEY REFERENCES users (id),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);
