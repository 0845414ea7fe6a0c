-- Per-organisation running aggregates of point_totals, so a ranking of 100,000 members reads
-- band sizes and 人均积分 from one row per organisation and period instead of every member's
-- total. Triggers keep them exact whatever writes point_totals or moves a member: a posting, a
-- transfer (org_id) or a change of membership status (only members on the books, 'normal',
-- count in on_books = 1; the others are kept apart so "is anyone outside this subtree scored?"
-- stays a sum over these rows).
CREATE TABLE point_org_totals (
    period_key  TEXT     NOT NULL,
    org_id      BIGINT   NOT NULL,
    on_books    SMALLINT NOT NULL,
    scored      BIGINT   NOT NULL DEFAULT 0,
    total       BIGINT   NOT NULL DEFAULT 0,
    positive    BIGINT   NOT NULL DEFAULT 0,
    negative    BIGINT   NOT NULL DEFAULT 0,
    PRIMARY KEY (period_key, org_id, on_books)
);

INSERT INTO point_org_totals (period_key, org_id, on_books, scored, total, positive, negative)
    SELECT t.period_key, m.org_id, CASE WHEN m.membership_status = 'normal' THEN 1 ELSE 0 END,
           COUNT(*), SUM(t.total), COUNT(*) FILTER (WHERE t.total > 0),
           COUNT(*) FILTER (WHERE t.total < 0)
    FROM point_totals t JOIN members m ON m.id = t.member_id
    GROUP BY 1, 2, 3;

CREATE INDEX point_totals_member ON point_totals (member_id);

CREATE FUNCTION point_org_bump(p_key TEXT, p_org BIGINT, p_on SMALLINT, d_scored BIGINT,
                               d_total BIGINT, d_pos BIGINT, d_neg BIGINT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO point_org_totals AS a (period_key, org_id, on_books, scored, total, positive, negative)
    VALUES (p_key, p_org, p_on, d_scored, d_total, d_pos, d_neg)
    ON CONFLICT (period_key, org_id, on_books) DO UPDATE
    SET scored = a.scored + excluded.scored, total = a.total + excluded.total,
        positive = a.positive + excluded.positive, negative = a.negative + excluded.negative
$$;

CREATE FUNCTION point_totals_roll() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    org  BIGINT;
    flag SMALLINT;
    mid  BIGINT;
BEGIN
    mid := CASE WHEN TG_OP = 'DELETE' THEN OLD.member_id ELSE NEW.member_id END;
    SELECT m.org_id, CASE WHEN m.membership_status = 'normal' THEN 1 ELSE 0 END
        INTO org, flag FROM members m WHERE m.id = mid;
    IF TG_OP = 'INSERT' THEN
        PERFORM point_org_bump(NEW.period_key, org, flag, 1, NEW.total,
            (NEW.total > 0)::int, (NEW.total < 0)::int);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM point_org_bump(NEW.period_key, org, flag, 0, NEW.total - OLD.total,
            (NEW.total > 0)::int - (OLD.total > 0)::int, (NEW.total < 0)::int - (OLD.total < 0)::int);
    ELSE
        PERFORM point_org_bump(OLD.period_key, org, flag, -1, -OLD.total,
            -((OLD.total > 0)::int), -((OLD.total < 0)::int));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER point_totals_roll AFTER INSERT OR UPDATE OR DELETE ON point_totals
    FOR EACH ROW EXECUTE FUNCTION point_totals_roll();

-- A transfer or a change of status moves the member's totals, every period, from the old
-- (organisation, on the books) to the new one.
CREATE FUNCTION point_totals_member_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
    old_flag SMALLINT := CASE WHEN OLD.membership_status = 'normal' THEN 1 ELSE 0 END;
    new_flag SMALLINT := CASE WHEN NEW.membership_status = 'normal' THEN 1 ELSE 0 END;
BEGIN
    IF OLD.org_id = NEW.org_id AND old_flag = new_flag THEN
        RETURN NULL;
    END IF;
    FOR r IN SELECT period_key, total FROM point_totals WHERE member_id = NEW.id ORDER BY period_key LOOP
        PERFORM point_org_bump(r.period_key, OLD.org_id, old_flag, -1, -r.total,
            -((r.total > 0)::int), -((r.total < 0)::int));
        PERFORM point_org_bump(r.period_key, NEW.org_id, new_flag, 1, r.total,
            (r.total > 0)::int, (r.total < 0)::int);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER point_totals_member_moved AFTER UPDATE OF org_id, membership_status ON members
    FOR EACH ROW EXECUTE FUNCTION point_totals_member_moved();
