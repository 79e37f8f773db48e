-- Satellite fire points (秸秆焚烧火点): detections kept once (by their key), merged into
-- incidents, each incident a work order (派发 → 核查 → 办结) with its history.

CREATE TABLE fire_incidents (
    id INTEGER PRIMARY KEY,
    first_at INTEGER NOT NULL,       -- first detection (Unix ms)
    last_at INTEGER NOT NULL,        -- last detection
    lon REAL NOT NULL,               -- mean position of its detections, WGS-84
    lat REAL NOT NULL,
    detections INTEGER NOT NULL,
    sources TEXT NOT NULL,           -- the sources that saw it, comma-separated, sorted
    region TEXT,                     -- code of the district region it lies in (NULL: near the border)
    town_code TEXT,                  -- the town polygon it lies in
    town TEXT,                       -- that town's name (a town user's scope)
    near_region TEXT,                -- outside: the region whose border is within the distance
    near_km REAL,                    -- and how far
    state TEXT,                      -- NULL (pending or watch only) | dispatched | verified | closed
    assignee TEXT,                   -- the town the order is dispatched to
    dispatched_at INTEGER,
    first_verified_at INTEGER,       -- the response time runs from dispatched_at to this
    verified_at INTEGER,
    finding TEXT,                    -- real_fire | false_alarm | outside_district
    burned_mu REAL,
    action_taken TEXT,
    photos TEXT NOT NULL,            -- JSON array of attachment ids
    closed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX fire_incidents_by_time ON fire_incidents (first_at);

CREATE TABLE fire_detections (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,        -- source|satellite|lat|lon|minute: duplicates across files
    incident_id INTEGER NOT NULL REFERENCES fire_incidents (id),
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    at INTEGER NOT NULL,             -- Unix ms (UTC)
    source TEXT NOT NULL,
    satellite TEXT NOT NULL,
    confidence TEXT NOT NULL,
    frp REAL,
    daynight TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES import_runs (id),
    file TEXT NOT NULL,
    line INTEGER NOT NULL
);
CREATE INDEX fire_detections_by_time ON fire_detections (at);
CREATE INDEX fire_detections_by_incident ON fire_detections (incident_id);

CREATE TABLE fire_order_events (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES fire_incidents (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,            -- create | dispatch | verify | return | close
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL             -- JSON: the town, the verification, the reason
);
CREATE INDEX fire_order_events_by_incident ON fire_order_events (incident_id, id);
