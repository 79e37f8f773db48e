-- The action plan as data: loaded plan files (versioned), task progress reports with their
-- review history, attachments, and indicator values.
CREATE TABLE plan_versions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,          -- of the file's text
    source TEXT NOT NULL,          -- the file's text
    loaded_at INTEGER NOT NULL,    -- Unix milliseconds
    loaded_by TEXT NOT NULL,
    UNIQUE (code, sha256)
) STRICT;

-- One report per (plan, task, party, period); resubmitting after a return updates it, and
-- task_report_events keeps every step with the text as it was.
CREATE TABLE task_reports (
    id INTEGER PRIMARY KEY,
    plan_code TEXT NOT NULL,
    task INTEGER NOT NULL,
    party_kind TEXT NOT NULL,      -- department | town
    party TEXT NOT NULL,
    period TEXT NOT NULL,          -- 2024Q3, 2024-07, 2024H2
    state TEXT NOT NULL,           -- submitted | returned | accepted
    completed INTEGER NOT NULL,    -- the report says the task is completed
    body TEXT NOT NULL,
    numbers TEXT NOT NULL,         -- JSON object
    attachments TEXT NOT NULL,     -- JSON array of attachment ids
    first_submitted_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    review_comment TEXT NOT NULL,
    reviewed_by TEXT,
    UNIQUE (plan_code, task, party_kind, party, period)
) STRICT;

CREATE TABLE task_report_events (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES task_reports (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,          -- submit | edit | resubmit | return | accept
    from_state TEXT,
    to_state TEXT NOT NULL,
    comment TEXT NOT NULL,
    body TEXT NOT NULL,
    attachments TEXT NOT NULL
) STRICT;
CREATE INDEX task_report_events_by_report ON task_report_events (report_id, id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    scope TEXT,                    -- the uploader's department or town, if any
    uploaded_at INTEGER NOT NULL
) STRICT;

-- Indicator values as reported (append-only: a correction is a new row; the latest per
-- indicator and date counts).
CREATE TABLE indicator_values (
    id INTEGER PRIMARY KEY,
    plan_code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    as_of TEXT NOT NULL,           -- YYYY-MM-DD, the last day of the period
    value TEXT NOT NULL,           -- exact decimal
    baseline INTEGER NOT NULL,     -- the baseline year's value
    note TEXT NOT NULL,
    attachments TEXT NOT NULL,
    party TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at INTEGER NOT NULL
) STRICT;
CREATE INDEX indicator_values_by_code ON indicator_values (plan_code, indicator, as_of);
