-- Separation of duties for accounts (三员分立, SEC-18) and credential expiry (SEC-05).
-- A business account defined by the 系统管理员 waits for the 安全管理员 (pending_approval);
-- an activation code stops working at activation_expires_at; reset_by/reset_at tell the
-- account's owner at the next login who reset the password and when.
ALTER TABLE users ADD COLUMN pending_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN defined_by TEXT;
ALTER TABLE users ADD COLUMN activation_expires_at TEXT;
ALTER TABLE users ADD COLUMN reset_by TEXT;
ALTER TABLE users ADD COLUMN reset_at TEXT;

-- Hashes of the passwords an account used before (SEC-05: the last N cannot be reused).
CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);
