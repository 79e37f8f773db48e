-- Town assessment (区镇考核): every version of the rules as loaded, and every result computed,
-- each naming the rules it used. Both tables are append-only: an old period re-run with its old
-- rules is compared with what was stored, never overwritten.

CREATE TABLE assessment_rules (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,            -- of the body
    body TEXT NOT NULL,              -- the TOML as loaded
    period TEXT NOT NULL,            -- month | year
    valid_from TEXT NOT NULL,        -- YYYY-MM-DD
    valid_to TEXT,                   -- YYYY-MM-DD or NULL (open)
    example INTEGER NOT NULL,
    loaded_at INTEGER NOT NULL,
    loaded_by TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE TABLE assessment_results (
    id INTEGER PRIMARY KEY,
    rules_id INTEGER NOT NULL REFERENCES assessment_rules (id),
    period TEXT NOT NULL,            -- 2026-03 | 2026
    figures TEXT NOT NULL,           -- JSON: each town's figures and where each came from
    result TEXT NOT NULL,            -- JSON: lantian_assessment::Assessment
    computed_at INTEGER NOT NULL,
    computed_by TEXT NOT NULL
);
CREATE INDEX assessment_results_by_period ON assessment_results (period, id);
CREATE TRIGGER assessment_rules_no_update BEFORE UPDATE ON assessment_rules
BEGIN
    SELECT RAISE(ABORT, 'assessment_rules is append-only');
END;
CREATE TRIGGER assessment_rules_no_delete BEFORE DELETE ON assessment_rules
BEGIN
    SELECT RAISE(ABORT, 'assessment_rules is append-only');
END;
CREATE TRIGGER assessment_results_no_update BEFORE UPDATE ON assessment_results
BEGIN
    SELECT RAISE(ABORT, 'assessment_results is append-only');
END;
CREATE TRIGGER assessment_results_no_delete BEFORE DELETE ON assessment_results
BEGIN
    SELECT RAISE(ABORT, 'assessment_results is append-only');
END;
