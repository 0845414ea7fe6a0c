-- Second factor (SEC-08), step-up re-authentication (SEC-16) and the pending second step of a
-- login.

-- One second factor per account. `secret` is sealed with the data key (SEC-46), never stored
-- in clear; `last_step` is the last accepted TOTP time step, so no code is accepted twice.
-- `confirmed_at` is NULL while enrolment waits for the first code.
CREATE TABLE user_second_factors (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('totp')),
    secret        BLOB    NOT NULL,
    last_step     INTEGER NOT NULL DEFAULT 0,
    confirmed_at  TEXT,
    created_at    TEXT    NOT NULL
);

-- Single-use recovery codes, stored as keyed digests only.
CREATE TABLE user_recovery_codes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_mac    TEXT    NOT NULL,
    used_at     TEXT,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX user_recovery_codes_key ON user_recovery_codes (user_id, code_mac);

-- A password that was right, waiting for the code. It authenticates nothing by itself: the
-- session is only created when the code is accepted.
CREATE TABLE login_challenges (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_path   TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX login_challenges_token_key ON login_challenges (token_hash);

-- When the session last proved its password or code (login or step-up).
ALTER TABLE sessions ADD COLUMN confirmed_at TEXT;
