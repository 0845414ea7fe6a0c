-- A scan pass (the cookie a room-QR scan leaves while signed out) is good once: the first member
-- who checks in with it owns it, so it cannot be handed to someone who was not in the room.
CREATE TABLE meeting_scan_passes (
    pass_hash   TEXT    NOT NULL PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    used_at     TEXT    NOT NULL
);
