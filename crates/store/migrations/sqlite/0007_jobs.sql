-- Periodic jobs across nodes: a lease per job (the node holding an unexpired lease runs it;
-- when that node dies the lease runs out and another node takes it), and the log of runs.

CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,         -- the node's name
    acquired_at INTEGER NOT NULL, -- Unix milliseconds, the store's clock
    renewed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    node TEXT NOT NULL,
    started_at INTEGER NOT NULL,  -- Unix milliseconds
    finished_at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX job_runs_by_name ON job_runs (name, started_at);
