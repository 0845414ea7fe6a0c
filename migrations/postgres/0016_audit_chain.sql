-- The audit chain (SEC-26). Each row appended from now on carries
-- mac = HMAC-SM3(k_audit, previous mac || canonical row), computed in the inserting
-- transaction (audit/chain.rs); k_audit comes from the key file, never from the database.
-- Rows already here have no mac: the first append after this migration folds them, in id
-- order, into an anchor link, so they are covered from then on without being rewritten.
ALTER TABLE audit_log ADD COLUMN mac TEXT;

-- The one row every append locks and moves: the last row before the chain (anchor, NULL
-- until sealed) and the last chained row (head). It also shows removed rows at the end.
CREATE TABLE audit_chain (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    anchor_id   BIGINT,
    anchor_mac  TEXT,
    head_id     BIGINT,
    head_mac    TEXT
);
INSERT INTO audit_chain (id) VALUES (1);

-- Names credited to a person were the login name until now, which by default was the mobile
-- number (SEC-53). Where the stored name is still the author's login, put the account's
-- display name in its place. Append-only tables (member_events, meeting_minutes,
-- point_entries, audit_log) are left as written; the audit viewer masks old logins itself.
UPDATE feed_posts SET author_name = (SELECT u.display_name FROM users u WHERE u.id = feed_posts.author_id)
WHERE author_name = (SELECT u.username FROM users u WHERE u.id = feed_posts.author_id);
UPDATE feed_comments SET author_name = (SELECT u.display_name FROM users u WHERE u.id = feed_comments.author_id)
WHERE author_name = (SELECT u.username FROM users u WHERE u.id = feed_comments.author_id);
UPDATE notices SET author_name = (SELECT u.display_name FROM users u WHERE u.id = notices.author_id)
WHERE author_name = (SELECT u.username FROM users u WHERE u.id = notices.author_id);
UPDATE disclosures SET author_name = (SELECT u.display_name FROM users u WHERE u.id = disclosures.author_id)
WHERE author_name = (SELECT u.username FROM users u WHERE u.id = disclosures.author_id);
UPDATE meetings SET reviewed_by_name = (SELECT u.display_name FROM users u WHERE u.id = meetings.reviewed_by)
WHERE reviewed_by_name = (SELECT u.username FROM users u WHERE u.id = meetings.reviewed_by);
