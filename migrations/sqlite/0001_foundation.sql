-- Foundation: organisations with terms and officers, a minimal member table, accounts,
-- sessions and the append-only audit log. Timestamps are UTC RFC 3339 text written by the
-- application's clock; dates are YYYY-MM-DD text.

CREATE TABLE orgs (
    id              INTEGER PRIMARY KEY,
    parent_id       INTEGER REFERENCES orgs (id),
    path            TEXT    NOT NULL,
    depth           INTEGER NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('committee', 'working_committee', 'general_branch',
                                                     'branch', 'joint_branch', 'temporary_branch', 'group')),
    name            TEXT    NOT NULL,
    short_name      TEXT,
    established_on  TEXT,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    dissolved_at    TEXT,
    dissolved_reason TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX orgs_path_key ON orgs (path);
CREATE INDEX orgs_parent_idx ON orgs (parent_id);

CREATE TABLE org_terms (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    started_on  TEXT    NOT NULL,
    years       INTEGER NOT NULL CHECK (years IN (3, 5)),
    ended_on    TEXT,
    note        TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX org_terms_org_idx ON org_terms (org_id);

CREATE TABLE members (
    id                 INTEGER PRIMARY KEY,
    org_id             INTEGER NOT NULL REFERENCES orgs (id),
    group_id           INTEGER REFERENCES orgs (id),
    name               TEXT    NOT NULL,
    gender             TEXT    NOT NULL CHECK (gender IN ('male', 'female')),
    id_number          TEXT    NOT NULL,
    birth_date         TEXT    NOT NULL,
    ethnicity          TEXT    NOT NULL,
    education          TEXT    NOT NULL,
    category           TEXT    NOT NULL CHECK (category IN ('full', 'probationary')),
    joined_on          TEXT    NOT NULL,
    converted_on       TEXT,
    job_title          TEXT,
    phone              TEXT,
    membership_status  TEXT    NOT NULL DEFAULT 'normal',
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE UNIQUE INDEX members_id_number_key ON members (id_number);
CREATE INDEX members_org_idx ON members (org_id);

CREATE TABLE org_officers (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    term_id     INTEGER REFERENCES org_terms (id),
    post        TEXT    NOT NULL CHECK (post IN ('secretary', 'deputy_secretary', 'organization_officer',
                                                 'publicity_officer', 'discipline_officer', 'group_leader',
                                                 'youth_officer', 'united_front_officer', 'committee_member')),
    member_id   INTEGER REFERENCES members (id),
    person_name TEXT    NOT NULL,
    started_on  TEXT    NOT NULL,
    ended_on    TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX org_officers_org_idx ON org_officers (org_id);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    username              TEXT    NOT NULL,
    display_name          TEXT    NOT NULL,
    password_hash         TEXT    NOT NULL,
    role                  TEXT    NOT NULL CHECK (role IN ('system_admin', 'security_admin', 'audit_admin',
                                                           'org_admin', 'officer', 'member')),
    org_id                INTEGER REFERENCES orgs (id),
    member_id             INTEGER REFERENCES members (id),
    must_change_password  INTEGER NOT NULL DEFAULT 1,
    password_changed_at   TEXT,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    locked_until          TEXT,
    disabled              INTEGER NOT NULL DEFAULT 0,
    last_login_at         TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    -- 三员 hold no organisation; every business role belongs to one (三员分立, SEC-18).
    CHECK ((role IN ('system_admin', 'security_admin', 'audit_admin') AND org_id IS NULL AND member_id IS NULL)
        OR (role IN ('org_admin', 'officer', 'member') AND org_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    token_hash      TEXT    NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('web', 'api')),
    current_org_id  INTEGER REFERENCES orgs (id),
    ip              TEXT    NOT NULL,
    user_agent      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT    NOT NULL,
    actor_role   TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    session_tag  TEXT    NOT NULL,
    request_id   TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    object_type  TEXT    NOT NULL,
    object_id    TEXT    NOT NULL,
    org_id       INTEGER,
    result       TEXT    NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
    detail       TEXT    NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);

-- The audit log is append-only (SEC-26).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Facts about this installation, e.g. that it holds demo data.
CREATE TABLE system_settings (
    key    TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
);
