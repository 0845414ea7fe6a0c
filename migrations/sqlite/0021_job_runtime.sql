-- The job runtime of `serve` (several servers may share one database).
--
-- A lease per scheduled job: the server that holds an unexpired lease runs the job, renews the
-- lease while it works, and gives it up when done. A server that dies mid-run loses the lease
-- when it expires, and another server takes over.
CREATE TABLE job_leases (
    name        TEXT    NOT NULL PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  TEXT     NOT NULL
);

-- One row per job and due time, claimed when a run of that due time starts (under the lease),
-- so that each due time runs once across servers. A row left unfinished by a server that died
-- is taken over by the next holder of the lease. The outcome is shown to the 系统管理员.
CREATE TABLE job_runs (
    name        TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    holder      TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    handled     INTEGER    NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (name, due_at)
);
