-- Corrections members ask for on their own record; an officer approves or rejects each.
CREATE TABLE member_corrections (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members (id),
    field          TEXT    NOT NULL,
    new_value      TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by   INTEGER NOT NULL REFERENCES users (id),
    requested_at   TEXT NOT NULL,
    decided_by     INTEGER REFERENCES users (id),
    decided_at     TEXT,
    decision_note  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX member_corrections_member_idx ON member_corrections (member_id);
CREATE INDEX member_corrections_status_idx ON member_corrections (status);
