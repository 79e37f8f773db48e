-- Heavy-pollution weather: warnings with their workflow history, and the emergency-reduction
-- list (each distinct list kept; the newest is in force).

CREATE TABLE warnings (
    id INTEGER PRIMARY KEY,
    area TEXT NOT NULL,              -- the area's code
    status TEXT NOT NULL,            -- assessing | issued | lifted | cancelled
    level TEXT,                      -- yellow | orange | red: in force, or last in force
    proposed_level TEXT,             -- what the forecast called for
    advisory INTEGER NOT NULL,       -- the temporary-control tier held
    may_lift INTEGER NOT NULL,       -- the forecast allowed lifting
    grading TEXT NOT NULL,           -- the grading's name
    forecast TEXT NOT NULL,          -- JSON: lantian_emergency::Forecast
    proposal TEXT NOT NULL,          -- JSON: lantian_emergency::Proposal
    issued_at INTEGER,               -- when it took effect (Unix ms; the step's `effective_at`)
    lifted_at INTEGER,               -- when it ended
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE warning_events (
    id INTEGER PRIMARY KEY,
    warning_id INTEGER NOT NULL REFERENCES warnings (id),
    at INTEGER NOT NULL,                 -- when it was recorded (Unix ms)
    effective_at INTEGER NOT NULL,       -- when it takes effect (a warning's start, a change, the lift)
    actor TEXT NOT NULL,
    action TEXT NOT NULL,            -- assess | forecast | issue | adjust | lift | cancel
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    from_level TEXT,
    to_level TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL             -- JSON: the proposal at the time of the step
);
CREATE INDEX warning_events_by_warning ON warning_events (warning_id, id);

CREATE TABLE reduction_lists (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    body TEXT NOT NULL,              -- JSON: lantian_emergency::ReductionList
    enterprises INTEGER NOT NULL,
    loaded_at INTEGER NOT NULL,
    loaded_by TEXT NOT NULL
);
