-- lantian store, PostgreSQL dialect, version 1.
-- Hourly observations are stored one row per (series, day): see crates/store/src/chunk.rs.
-- hourly is partitioned by month (on day, days since 1970-01-01); the store creates the
-- partitions it needs before writing.

CREATE TABLE stations (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT,
    city TEXT,
    province TEXT,
    lon DOUBLE PRECISION,
    lat DOUBLE PRECISION,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE areas (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    alias TEXT UNIQUE
);

CREATE TABLE area_stations (
    area_id BIGINT NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    station_id BIGINT NOT NULL REFERENCES stations (id),
    counts BOOLEAN NOT NULL,
    PRIMARY KEY (area_id, station_id)
);

CREATE TABLE series (
    id BIGSERIAL PRIMARY KEY,
    station_id BIGINT NOT NULL REFERENCES stations (id),
    quantity TEXT NOT NULL,
    UNIQUE (station_id, quantity)
);

CREATE TABLE import_runs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    summary TEXT
);

CREATE TABLE hourly (
    series_id BIGINT NOT NULL REFERENCES series (id),
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    vals BYTEA NOT NULL,
    flags BYTEA,
    import_id BIGINT NOT NULL REFERENCES import_runs (id),
    PRIMARY KEY (series_id, day)
) PARTITION BY RANGE (day);

CREATE TABLE conflicts (
    id BIGSERIAL PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES import_runs (id),
    series_id BIGINT NOT NULL REFERENCES series (id),
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    kept BIGINT NOT NULL,
    offered BIGINT NOT NULL,
    origin TEXT NOT NULL
);

CREATE TABLE review_marks (
    id BIGSERIAL PRIMARY KEY,
    series_id BIGINT NOT NULL REFERENCES series (id),
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    action TEXT NOT NULL,
    value BIGINT,
    reviewer TEXT NOT NULL,
    at BIGINT NOT NULL,
    reason TEXT NOT NULL
);

CREATE INDEX review_marks_by_series ON review_marks (series_id, day);
