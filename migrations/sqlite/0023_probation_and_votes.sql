-- 延长预备期 and 取消预备党员资格 (DEV-22) and 留党察看 (VOTE-01) become events of their own.
-- The end of an extended probation and of 留党察看 are kept on the record, so 转正日期 and the
-- right to vote follow from stored facts (RIGHT-05). SQLite cannot change a CHECK in place:
-- the append-only event table is rebuilt with its rows, indexes and triggers.
ALTER TABLE members ADD COLUMN probation_extended_until TEXT;
ALTER TABLE members ADD COLUMN observation_until TEXT;

CREATE TABLE member_events_new (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('register', 'develop', 'transfer_in', 'convert', 'move', 'transfer_out',
                                                  'stop', 'restore', 'leave', 'death', 'extend', 'cancel', 'observe')),
    occurred_on  TEXT NOT NULL,
    from_org_id  INTEGER REFERENCES orgs (id),
    to_org_id    INTEGER REFERENCES orgs (id),
    note         TEXT    NOT NULL DEFAULT '',
    recorded_by  INTEGER REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
INSERT INTO member_events_new SELECT id, member_id, kind, occurred_on, from_org_id, to_org_id, note,
    recorded_by, recorded_by_name, recorded_at FROM member_events;
DROP TABLE member_events;
ALTER TABLE member_events_new RENAME TO member_events;
CREATE INDEX member_events_member_idx ON member_events (member_id, occurred_on);
CREATE INDEX member_events_to_org_idx ON member_events (to_org_id);
CREATE TRIGGER member_events_no_update BEFORE UPDATE ON member_events
BEGIN SELECT RAISE(ABORT, 'member_events is append-only'); END;
CREATE TRIGGER member_events_no_delete BEFORE DELETE ON member_events
BEGIN SELECT RAISE(ABORT, 'member_events is append-only'); END;

INSERT INTO code_items (set_code, code, name, aliases, sort) VALUES
    ('membership_status', 'cancelled', '已取消预备党员资格', '', 5);

-- Members the recorder left out of 应到会有表决权 for a recognised reason (VOTE-01, ELEC-08).
ALTER TABLE meeting_attendees ADD COLUMN excluded_reason TEXT NOT NULL DEFAULT '';
