-- Per-organisation running aggregates of point_totals, so a ranking of 100,000 members reads
-- band sizes and 人均积分 from one row per organisation and period instead of every member's
-- total. Triggers keep them exact whatever writes point_totals or moves a member: a posting, a
-- transfer (org_id) or a change of membership status (only members on the books, 'normal',
-- count in on_books = 1; the others are kept apart so "is anyone outside this subtree scored?"
-- stays a sum over these rows).
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
    SELECT t.period_key, m.org_id, m.membership_status = 'normal', COUNT(*), SUM(t.total),
           SUM(t.total > 0), SUM(t.total < 0)
    FROM point_totals t JOIN members m ON m.id = t.member_id
    GROUP BY t.period_key, m.org_id, m.membership_status = 'normal';

-- Deep pages of a whole committee walk the totals in ranking order.
CREATE INDEX point_totals_rank ON point_totals (period_key, total DESC, member_id);
CREATE INDEX point_totals_member ON point_totals (member_id);

CREATE TRIGGER point_totals_insert AFTER INSERT ON point_totals
BEGIN
    INSERT OR IGNORE INTO point_org_totals (period_key, org_id, on_books)
        SELECT NEW.period_key, m.org_id, m.membership_status = 'normal' FROM members m
        WHERE m.id = NEW.member_id;
    UPDATE point_org_totals SET scored = scored + 1, total = total + NEW.total,
        positive = positive + (NEW.total > 0), negative = negative + (NEW.total < 0)
    WHERE period_key = NEW.period_key
      AND (org_id, on_books) = (SELECT m.org_id, m.membership_status = 'normal' FROM members m
                                WHERE m.id = NEW.member_id);
END;

CREATE TRIGGER point_totals_update AFTER UPDATE OF total ON point_totals
BEGIN
    UPDATE point_org_totals SET total = total + NEW.total - OLD.total,
        positive = positive + (NEW.total > 0) - (OLD.total > 0),
        negative = negative + (NEW.total < 0) - (OLD.total < 0)
    WHERE period_key = NEW.period_key
      AND (org_id, on_books) = (SELECT m.org_id, m.membership_status = 'normal' FROM members m
                                WHERE m.id = NEW.member_id);
END;

CREATE TRIGGER point_totals_delete AFTER DELETE ON point_totals
BEGIN
    UPDATE point_org_totals SET scored = scored - 1, total = total - OLD.total,
        positive = positive - (OLD.total > 0), negative = negative - (OLD.total < 0)
    WHERE period_key = OLD.period_key
      AND (org_id, on_books) = (SELECT m.org_id, m.membership_status = 'normal' FROM members m
                                WHERE m.id = OLD.member_id);
END;

-- A transfer or a change of status moves the member's totals, every period, from the old
-- (organisation, on the books) to the new one.
CREATE TRIGGER point_totals_member_moved AFTER UPDATE OF org_id, membership_status ON members
WHEN OLD.org_id IS NOT NEW.org_id
  OR (OLD.membership_status = 'normal') IS NOT (NEW.membership_status = 'normal')
BEGIN
    UPDATE point_org_totals SET
        scored = scored - 1,
        total = total - (SELECT t.total FROM point_totals t
                         WHERE t.member_id = OLD.id AND t.period_key = point_org_totals.period_key),
        positive = positive - (SELECT t.total > 0 FROM point_totals t
                               WHERE t.member_id = OLD.id AND t.period_key = point_org_totals.period_key),
        negative = negative - (SELECT t.total < 0 FROM point_totals t
                               WHERE t.member_id = OLD.id AND t.period_key = point_org_totals.period_key)
    WHERE org_id = OLD.org_id AND on_books = (OLD.membership_status = 'normal')
      AND period_key IN (SELECT period_key FROM point_totals WHERE member_id = OLD.id);
    INSERT OR IGNORE INTO point_org_totals (period_key, org_id, on_books)
        SELECT period_key, NEW.org_id, NEW.membership_status = 'normal' FROM point_totals
        WHERE member_id = NEW.id;
    UPDATE point_org_totals SET
        scored = scored + 1,
        total = total + (SELECT t.total FROM point_totals t
                         WHERE t.member_id = NEW.id AND t.period_key = point_org_totals.period_key),
        positive = positive + (SELECT t.total > 0 FROM point_totals t
                               WHERE t.member_id = NEW.id AND t.period_key = point_org_totals.period_key),
        negative = negative + (SELECT t.total < 0 FROM point_totals t
                               WHERE t.member_id = NEW.id AND t.period_key = point_org_totals.period_key)
    WHERE org_id = NEW.org_id AND on_books = (NEW.membership_status = 'normal')
      AND period_key IN (SELECT period_key FROM point_totals WHERE member_id = NEW.id);
END;
