-- A 支委会's or 党小组's record is read by that body and the committees above (MEET-02/03).
-- What the committee chooses to tell every member is published as a separate text, so the
-- minutes themselves never have to be opened to members.
ALTER TABLE meetings ADD COLUMN published_decision TEXT NOT NULL DEFAULT '';
ALTER TABLE meetings ADD COLUMN published_at TIMESTAMPTZ;
ALTER TABLE meetings ADD COLUMN published_by_name TEXT NOT NULL DEFAULT '';
