-- 组织关系转接: between branches inside Zhibu (requested, then accepted or rejected), out of
-- Zhibu with a 介绍信 (issued, then closed when the 回执 comes back), and into Zhibu (received).
CREATE TABLE transfers (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('internal', 'outgoing', 'incoming')),
    status          TEXT    NOT NULL CHECK (status IN ('requested', 'accepted', 'rejected', 'cancelled', 'issued', 'closed', 'received')),
    from_org_id     INTEGER REFERENCES orgs (id),
    to_org_id       INTEGER REFERENCES orgs (id),
    other_org_name  TEXT    NOT NULL DEFAULT '',
    serial          TEXT,
    valid_days      INTEGER,
    issued_on       TEXT,
    expires_on      TEXT,
    dues_paid_to    TEXT    NOT NULL DEFAULT '',
    receipt_on      TEXT,
    reason          TEXT    NOT NULL DEFAULT '',
    letter_ref      TEXT    NOT NULL DEFAULT '',
    verify_token    TEXT,
    requested_by    INTEGER REFERENCES users (id),
    requested_at    TEXT NOT NULL,
    decided_by      INTEGER REFERENCES users (id),
    decided_at      TEXT,
    decision_note   TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX transfers_serial_key ON transfers (serial);
CREATE UNIQUE INDEX transfers_verify_token_key ON transfers (verify_token);
CREATE INDEX transfers_member_idx ON transfers (member_id);
CREATE INDEX transfers_from_idx ON transfers (from_org_id);
CREATE INDEX transfers_to_idx ON transfers (to_org_id);
