-- Rankings of a committee of 100,000 members without joining every total to its member:
-- each running total carries its member's organisation and whether the member is on the books
-- ('normal'), so a subtree's totals are an index range per organisation; and per-organisation
-- aggregates (members scored, sum, above 0, below 0) give band sizes and 人均积分 from one row
-- per organisation. Triggers keep both exact whatever writes point_totals or moves a member: a
-- posting, a transfer (org_id) or a change of membership status.
ALTER TABLE point_totals ADD COLUMN org_id INTEGER;
ALTER TABLE point_totals ADD COLUMN on_books INTEGER;
UPDATE point_totals SET
    org_id = (SELECT m.org_id FROM members m WHERE m.id = point_totals.member_id),
    on_books = (SELECT m.membership_status = 'normal' FROM members m WHERE m.id = point_totals.member_id);

CREATE TABLE point_org_totals (
    period_key  TEXT    NOT NULL,
    org_id      INTEGER NOT NULL,
    on_books    INTEGER NOT NULL,
    scored      INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    positive    INTEGER NOT NULL DEFAULT 0,
    negative    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (period_key, org_id, on_books)
) WITHOUT ROWID;
INSERT INTO point_org_totals (period_key, org_id, on_books, scored, total, positive, negative)
    SELECT period_key, org_id, on_books, COUNT(*), SUM(total), SUM(total > 0), SUM(total < 0)
    FROM point_totals GROUP BY period_key, org_id, on_books;

-- Pages walk the totals in ranking order (covering, so no row is visited); counts read one
-- range per organisation; a member's totals are found when the member moves.
CREATE INDEX point_totals_rank ON point_totals (period_key, total DESC, member_id, org_id, on_books);
CREATE INDEX point_totals_org ON point_totals (period_key, on_books, org_id, total);
CREATE INDEX point_totals_member ON point_totals (member_id);

-- A total written without its organisation (every writer may leave it out) takes the member's.
-- (Rows are added to point_org_totals with NOT EXISTS rather than INSERT OR IGNORE: inside a
-- trigger the outer statement's conflict handling would override the IGNORE.)
CREATE TRIGGER point_totals_place AFTER INSERT ON point_totals WHEN NEW.org_id IS NULL
BEGIN
    UPDATE point_totals SET
        org_id = (SELECT m.org_id FROM members m WHERE m.id = NEW.member_id),
        on_books = (SELECT m.membership_status = 'normal' FROM members m WHERE m.id = NEW.member_id)
    WHERE period_key = NEW.period_key AND member_id = NEW.member_id;
END;

CREATE TRIGGER point_totals_insert AFTER INSERT ON point_totals WHEN NEW.org_id IS NOT NULL
BEGIN
    INSERT INTO point_org_totals (period_key, org_id, on_books)
        SELECT NEW.period_key, NEW.org_id, NEW.on_books WHERE NOT EXISTS (
            SELECT 1 FROM point_org_totals
            WHERE period_key = NEW.period_key AND org_id = NEW.org_id AND on_books = NEW.on_books);
    UPDATE point_org_totals SET scored = scored + 1, total = total + NEW.total,
        positive = positive + (NEW.total > 0), negative = negative + (NEW.total < 0)
    WHERE period_key = NEW.period_key AND org_id = NEW.org_id AND on_books = NEW.on_books;
END;

-- A new total, a move or a change of status: out of the old (organisation, on the books), into
-- the new one.
CREATE TRIGGER point_totals_update AFTER UPDATE OF total, org_id, on_books ON point_totals
BEGIN
    UPDATE point_org_totals SET scored = scored - 1, total = total - OLD.total,
        positive = positive - (OLD.total > 0), negative = negative - (OLD.total < 0)
    WHERE OLD.org_id IS NOT NULL
      AND period_key = OLD.period_key AND org_id = OLD.org_id AND on_books = OLD.on_books;
    INSERT INTO point_org_totals (period_key, org_id, on_books)
        SELECT NEW.period_key, NEW.org_id, NEW.on_books WHERE NEW.org_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM point_org_totals
            WHERE period_key = NEW.period_key AND org_id = NEW.org_id AND on_books = NEW.on_books);
    UPDATE point_org_totals SET scored = scored + 1, total = total + NEW.total,
        positive = positive + (NEW.total > 0), negative = negative + (NEW.total < 0)
    WHERE NEW.org_id IS NOT NULL
      AND period_key = NEW.period_key AND org_id = NEW.org_id AND on_books = NEW.on_books;
END;

CREATE TRIGGER point_totals_delete AFTER DELETE ON point_totals WHEN OLD.org_id IS NOT NULL
BEGIN
    UPDATE point_org_totals SET scored = scored - 1, total = total - OLD.total,
        positive = positive - (OLD.total > 0), negative = negative - (OLD.total < 0)
    WHERE period_key = OLD.period_key AND org_id = OLD.org_id AND on_books = OLD.on_books;
END;

CREATE TRIGGER point_totals_member_moved AFTER UPDATE OF org_id, membership_status ON members
WHEN OLD.org_id IS NOT NEW.org_id
  OR (OLD.membership_status = 'normal') IS NOT (NEW.membership_status = 'normal')
BEGIN
    UPDATE point_totals SET org_id = NEW.org_id, on_books = (NEW.membership_status = 'normal')
    WHERE member_id = NEW.id;
END;
