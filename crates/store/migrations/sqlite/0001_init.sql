-- lantian store, SQLite dialect, version 1.
-- Hourly observations are stored one row per (series, day): see crates/store/src/chunk.rs.

CREATE TABLE stations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT,
    city TEXT,
    province TEXT,
    lon REAL,
    lat REAL,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    alias TEXT UNIQUE
) STRICT;

CREATE TABLE area_stations (
    area_id INTEGER NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    station_id INTEGER NOT NULL REFERENCES stations (id),
    counts INTEGER NOT NULL,
    PRIMARY KEY (area_id, station_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    station_id INTEGER NOT NULL REFERENCES stations (id),
    quantity TEXT NOT NULL,
    UNIQUE (station_id, quantity)
) STRICT;

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    summary TEXT
) STRICT;

-- day: days since 1970-01-01 of the Beijing date; n: values present; vals/flags: chunk.rs.
CREATE TABLE hourly (
    series_id INTEGER NOT NULL REFERENCES series (id),
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    vals BLOB NOT NULL,
    flags BLOB,
    import_id INTEGER NOT NULL REFERENCES import_runs (id),
    PRIMARY KEY (series_id, day)
) STRICT, WITHOUT ROWID;

-- A value offered for an hour that already had a different one: the first is kept.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES import_runs (id),
    series_id INTEGER NOT NULL REFERENCES series (id),
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    kept INTEGER NOT NULL,
    offered INTEGER NOT NULL,
    origin TEXT NOT NULL
) STRICT;

-- Review marks never change a value: they are separate records with who, when and why.
CREATE TABLE review_marks (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series (id),
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    action TEXT NOT NULL,
    value INTEGER,
    reviewer TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL
) STRICT;

CREATE INDEX review_marks_by_series ON review_marks (series_id, day);
