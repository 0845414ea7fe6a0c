-- 积分通报 snapshots (one per organisation and period; regenerated once the period has closed so
-- the published figures are complete) and the grades the branch decided at 民主评议 (PTS-11:
-- the points only suggest, people decide and are recorded).

CREATE TABLE point_reports (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    period_code     TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    complete        INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    generated_at    TEXT    NOT NULL,
    generated_by    INTEGER REFERENCES users (id),
    UNIQUE (org_id, period_code)
);

CREATE TABLE point_grades (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    year            INTEGER NOT NULL,
    points          INTEGER NOT NULL,
    suggested       TEXT    NOT NULL,
    decided         TEXT    NOT NULL CHECK (decided IN ('excellent', 'qualified', 'basically_qualified', 'unqualified')),
    basis           TEXT    NOT NULL DEFAULT '',
    decided_by      INTEGER NOT NULL REFERENCES users (id),
    decided_at      TEXT    NOT NULL,
    UNIQUE (member_id, year)
);
CREATE INDEX point_grades_org_year ON point_grades (org_id, year);

-- Rankings read every running total of one period in a row: keep the totals clustered by their
-- key (WITHOUT ROWID), so that read is one sequential range instead of a lookup per member.
CREATE TABLE point_totals_by_key (
    period_key  TEXT    NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    total       INTEGER NOT NULL,
    PRIMARY KEY (period_key, member_id)
) WITHOUT ROWID;
INSERT INTO point_totals_by_key (period_key, member_id, total)
    SELECT period_key, member_id, total FROM point_totals;
DROP TABLE point_totals;
ALTER TABLE point_totals_by_key RENAME TO point_totals;
