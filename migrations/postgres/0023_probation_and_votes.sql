-- 延长预备期 and 取消预备党员资格 (DEV-22) and 留党察看 (VOTE-01) become events of their own.
-- The end of an extended probation and of 留党察看 are kept on the record, so 转正日期 and the
-- right to vote follow from stored facts (RIGHT-05).
ALTER TABLE members ADD COLUMN probation_extended_until DATE;
ALTER TABLE members ADD COLUMN observation_until DATE;

ALTER TABLE member_events DROP CONSTRAINT member_events_kind_check;
ALTER TABLE member_events ADD CONSTRAINT member_events_kind_check CHECK (kind IN ('register', 'develop',
    'transfer_in', 'convert', 'move', 'transfer_out', 'stop', 'restore', 'leave', 'death', 'extend', 'cancel', 'observe'));

INSERT INTO code_items (set_code, code, name, aliases, sort) VALUES
    ('membership_status', 'cancelled', '已取消预备党员资格', '', 5);

-- Members the recorder left out of 应到会有表决权 for a recognised reason (VOTE-01, ELEC-08).
ALTER TABLE meeting_attendees ADD COLUMN excluded_reason TEXT NOT NULL DEFAULT '';
