-- Rankings of a committee of 100,000 members without joining every total to its member:
-- each running total carries its member's organisation and whether the member is on the books
-- ('normal'), so a subtree's totals are an index range per organisation; and per-organisation
-- aggregates (members scored, sum, above 0, below 0) give band sizes and 人均积分 from one row
-- per organisation. Triggers keep both exact whatever writes point_totals or moves a member: a
-- posting, a transfer (org_id) or a change of membership status.
ALTER TABLE point_totals ADD COLUMN org_id BIGINT;
ALTER TABLE point_totals ADD COLUMN on_books SMALLINT;
UPDATE point_totals t SET org_id = m.org_id,
    on_books = CASE WHEN m.membership_status = 'normal' THEN 1 ELSE 0 END
FROM members m WHERE m.id = t.member_id;

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
    SELECT period_key, org_id, on_books, COUNT(*), SUM(total),
           COUNT(*) FILTER (WHERE total > 0), COUNT(*) FILTER (WHERE total < 0)
    FROM point_totals GROUP BY 1, 2, 3;

-- Pages walk the totals in ranking order (index-only); counts read one range per
-- organisation; a member's totals are found when the member moves.
DROP INDEX point_totals_cover;
DROP INDEX point_totals_rank;
CREATE INDEX point_totals_rank ON point_totals (period_key, total DESC, member_id)
    INCLUDE (org_id, on_books);
CREATE INDEX point_totals_org ON point_totals (period_key, on_books, org_id, total);
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

-- A total written without its organisation (every writer may leave it out) takes the member's.
CREATE FUNCTION point_totals_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.org_id IS NULL THEN
        SELECT m.org_id, CASE WHEN m.membership_status = 'normal' THEN 1 ELSE 0 END
            INTO NEW.org_id, NEW.on_books FROM members m WHERE m.id = NEW.member_id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER point_totals_place BEFORE INSERT ON point_totals
    FOR EACH ROW EXECUTE FUNCTION point_totals_place();

-- A new total, a move or a change of status: out of the old (organisation, on the books), into
-- the new one.
CREATE FUNCTION point_totals_roll() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM point_org_bump(OLD.period_key, OLD.org_id, OLD.on_books, -1, -OLD.total,
            -((OLD.total > 0)::int), -((OLD.total < 0)::int));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM point_org_bump(NEW.period_key, NEW.org_id, NEW.on_books, 1, NEW.total,
            (NEW.total > 0)::int, (NEW.total < 0)::int);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER point_totals_roll AFTER INSERT OR UPDATE OR DELETE ON point_totals
    FOR EACH ROW EXECUTE FUNCTION point_totals_roll();

CREATE FUNCTION point_totals_member_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.org_id IS DISTINCT FROM NEW.org_id
       OR (OLD.membership_status = 'normal') IS DISTINCT FROM (NEW.membership_status = 'normal') THEN
        UPDATE point_totals SET org_id = NEW.org_id,
            on_books = CASE WHEN NEW.membership_status = 'normal' THEN 1 ELSE 0 END
        WHERE member_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER point_totals_member_moved AFTER UPDATE OF org_id, membership_status ON members
    FOR EACH ROW EXECUTE FUNCTION point_totals_member_moved();
