-- 党员积分制: point items as versioned data (national defaults with org_id NULL, or defined by an
-- organisation for its subtree), the append-only ledger, members' claims (申报), and how far each
-- consumer of the outbox has read.

CREATE TABLE point_items (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER REFERENCES orgs (id),
    code            TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    name            TEXT    NOT NULL,
    category        TEXT    NOT NULL CHECK (category IN ('basic', 'reward', 'deduction')),
    points          INTEGER NOT NULL,
    min_points      INTEGER NOT NULL,
    max_points      INTEGER NOT NULL,
    trigger_topic   TEXT    NOT NULL DEFAULT 'manual',
    trigger_kinds   TEXT    NOT NULL DEFAULT '',
    cap_day         INTEGER,
    cap_week        INTEGER,
    cap_month       INTEGER,
    cap_year        INTEGER,
    needs_approval  BOOLEAN NOT NULL DEFAULT FALSE,
    evidence_required BOOLEAN NOT NULL DEFAULT FALSE,
    effective_from  TEXT    NOT NULL,
    effective_to    TEXT,
    created_by      INTEGER REFERENCES users (id),
    created_at      TEXT    NOT NULL,
    CHECK (min_points <= points AND points <= max_points)
);
CREATE UNIQUE INDEX point_items_version_key ON point_items (COALESCE(org_id, 0), code, version);

INSERT INTO point_items (org_id, code, name, category, points, min_points, max_points, trigger_topic, trigger_kinds,
    cap_month, cap_year, effective_from, created_at) VALUES
    (NULL, 'attend_general', '参加支部党员大会', 'basic', 3, 1, 5, 'meeting.attended', 'branch_general', NULL, 12, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'attend_committee', '参加支委会', 'basic', 2, 1, 3, 'meeting.attended', 'branch_committee', NULL, 24, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'attend_group', '参加党小组会', 'basic', 2, 1, 3, 'meeting.attended', 'group', NULL, 24, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'attend_lecture', '参加党课', 'basic', 2, 1, 3, 'meeting.attended', 'lecture', NULL, 8, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'attend_theme_day', '参加主题党日', 'basic', 2, 1, 3, 'meeting.attended', 'theme_day', NULL, 24, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'attend_org_life', '参加组织生活会', 'basic', 3, 1, 5, 'meeting.attended', 'org_life', NULL, 6, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'absent_unexcused', '无故缺席组织生活', 'deduction', -3, -5, -2, 'meeting.absent', '', NULL, NULL, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'volunteer', '参加志愿服务', 'reward', 2, 1, 3, 'manual', '', 6, 10, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'vanguard', '先锋模范事迹', 'reward', 3, 2, 5, 'manual', '', NULL, 10, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'special_task', '完成急难险重任务', 'reward', 3, 2, 3, 'manual', '', NULL, 10, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'study_notes', '撰写学习心得', 'basic', 1, 1, 1, 'manual', '', 1, 8, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'criticised', '受到通报批评', 'deduction', -2, -5, -2, 'manual', '', NULL, NULL, '2018-10-28', '2018-10-28T00:00:00Z'),
    (NULL, 'discipline', '违反纪律', 'deduction', -10, -20, -5, 'manual', '', NULL, NULL, '2018-10-28', '2018-10-28T00:00:00Z');
UPDATE point_items SET needs_approval = TRUE, evidence_required = TRUE WHERE code IN ('volunteer', 'vanguard');

CREATE TABLE point_entries (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    item_id         INTEGER NOT NULL REFERENCES point_items (id),
    item_code       TEXT    NOT NULL,
    item_version    INTEGER NOT NULL,
    points          INTEGER NOT NULL,
    occurred_on     TEXT    NOT NULL,
    source          TEXT    NOT NULL CHECK (source IN ('event', 'manual', 'claim', 'reversal')),
    source_key      TEXT,
    subject         TEXT    NOT NULL DEFAULT '',
    reverses        INTEGER REFERENCES point_entries (id),
    reason          TEXT    NOT NULL DEFAULT '',
    recorded_by     INTEGER REFERENCES users (id),
    recorded_by_name TEXT   NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX point_entries_source_key ON point_entries (source_key);
CREATE UNIQUE INDEX point_entries_reverses_key ON point_entries (reverses);
CREATE INDEX point_entries_member_idx ON point_entries (member_id, occurred_on);
CREATE INDEX point_entries_org_idx ON point_entries (org_id, occurred_on);
-- Only entries that came from an event have a subject; most manual ones do not, so the index is
-- partial (a full index would have one huge key that misleads the planner).
CREATE INDEX point_entries_subject_idx ON point_entries (subject) WHERE subject <> '';
CREATE TRIGGER point_entries_no_update BEFORE UPDATE ON point_entries
BEGIN SELECT RAISE(ABORT, 'point_entries is append-only'); END;
CREATE TRIGGER point_entries_no_delete BEFORE DELETE ON point_entries
BEGIN SELECT RAISE(ABORT, 'point_entries is append-only'); END;

-- Running totals per member and period (W2026-48, M2026-11, Q2026-4, Y2026), kept in the same
-- transaction as the ledger so rankings read one row per member instead of summing the ledger.
CREATE TABLE point_totals (
    period_key  TEXT    NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    total       INTEGER NOT NULL,
    PRIMARY KEY (period_key, member_id)
);

CREATE TABLE point_claims (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    item_id         INTEGER NOT NULL REFERENCES point_items (id),
    points          INTEGER NOT NULL,
    occurred_on     TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    evidence        BLOB,
    evidence_type   TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_by    INTEGER REFERENCES users (id),
    submitted_at    TEXT    NOT NULL,
    decided_by      INTEGER REFERENCES users (id),
    decided_at      TEXT,
    decision_note   TEXT    NOT NULL DEFAULT '',
    entry_id        INTEGER REFERENCES point_entries (id)
);
CREATE INDEX point_claims_member_idx ON point_claims (member_id);
CREATE INDEX point_claims_status_idx ON point_claims (status);

CREATE TABLE event_cursors (
    consumer    TEXT    NOT NULL PRIMARY KEY,
    position    INTEGER NOT NULL
);
