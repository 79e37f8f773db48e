-- Enforcement cases (执法案件) and credit records (信用记录). A case and a credit record are
-- written once; their steps are events appended after a check of the history; nothing here is
-- ever updated or deleted.

CREATE TABLE enforcement_cases (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,            -- JSON: lantian_enforcement::Origin
    party TEXT NOT NULL,             -- JSON: lantian_enforcement::Party
    party_key TEXT NOT NULL,         -- credit code, else kind and name
    department TEXT NOT NULL,        -- the department in charge
    town TEXT NOT NULL,
    source TEXT,                     -- the device (MN) concerned, for recurrence
    detected_on TEXT,                -- YYYY-MM-DD
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX enforcement_cases_by_party ON enforcement_cases (party_key);
CREATE TABLE enforcement_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES enforcement_cases (id),
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,             -- JSON: lantian_enforcement::CaseEvent
    at INTEGER NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE TABLE credit_records (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES enforcement_cases (id),
    record TEXT NOT NULL,            -- JSON: lantian_enforcement::CreditRecord without events
    party_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE credit_events (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES credit_records (id),
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,             -- JSON: lantian_enforcement::credit::Dated
    at INTEGER NOT NULL,
    UNIQUE (record_id, seq)
);
CREATE TRIGGER enforcement_cases_no_update BEFORE UPDATE ON enforcement_cases
BEGIN SELECT RAISE(ABORT, 'enforcement_cases is append-only'); END;
CREATE TRIGGER enforcement_cases_no_delete BEFORE DELETE ON enforcement_cases
BEGIN SELECT RAISE(ABORT, 'enforcement_cases is append-only'); END;
CREATE TRIGGER enforcement_events_no_update BEFORE UPDATE ON enforcement_events
BEGIN SELECT RAISE(ABORT, 'enforcement_events is append-only'); END;
CREATE TRIGGER enforcement_events_no_delete BEFORE DELETE ON enforcement_events
BEGIN SELECT RAISE(ABORT, 'enforcement_events is append-only'); END;
CREATE TRIGGER credit_records_no_update BEFORE UPDATE ON credit_records
BEGIN SELECT RAISE(ABORT, 'credit_records is append-only'); END;
CREATE TRIGGER credit_records_no_delete BEFORE DELETE ON credit_records
BEGIN SELECT RAISE(ABORT, 'credit_records is append-only'); END;
CREATE TRIGGER credit_events_no_update BEFORE UPDATE ON credit_events
BEGIN SELECT RAISE(ABORT, 'credit_events is append-only'); END;
CREATE TRIGGER credit_events_no_delete BEFORE DELETE ON credit_events
BEGIN SELECT RAISE(ABORT, 'credit_events is append-only'); END;
