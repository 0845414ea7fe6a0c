-- 积分通报 snapshots (one per organisation and period; regenerated once the period has closed so
-- the published figures are complete) and the grades the branch decided at 民主评议 (PTS-11:
-- the points only suggest, people decide and are recorded).

CREATE TABLE point_reports (
    id              BIGSERIAL PRIMARY KEY,
    org_id          BIGINT      NOT NULL REFERENCES orgs (id),
    period_code     TEXT        NOT NULL,
    body            TEXT        NOT NULL,
    complete        BOOLEAN     NOT NULL DEFAULT FALSE,
    generated_at    TIMESTAMPTZ NOT NULL,
    generated_by    BIGINT      REFERENCES users (id),
    UNIQUE (org_id, period_code)
);

CREATE TABLE point_grades (
    id              BIGSERIAL PRIMARY KEY,
    member_id       BIGINT      NOT NULL REFERENCES members (id),
    org_id          BIGINT      NOT NULL REFERENCES orgs (id),
    year            INTEGER     NOT NULL,
    points          BIGINT      NOT NULL,
    suggested       TEXT        NOT NULL,
    decided         TEXT        NOT NULL CHECK (decided IN ('excellent', 'qualified', 'basically_qualified', 'unqualified')),
    basis           TEXT        NOT NULL DEFAULT '',
    decided_by      BIGINT      NOT NULL REFERENCES users (id),
    decided_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (member_id, year)
);
CREATE INDEX point_grades_org_year ON point_grades (org_id, year);

-- Rankings read every running total of one period: a covering index lets that be an index-only
-- scan instead of a heap fetch per member (the rows of one period are spread over the table),
-- and a second one in ranking order serves the first pages and the counts above a score.
CREATE INDEX point_totals_cover ON point_totals (period_key, member_id) INCLUDE (total);
CREATE INDEX point_totals_rank ON point_totals (period_key, total DESC, member_id);
