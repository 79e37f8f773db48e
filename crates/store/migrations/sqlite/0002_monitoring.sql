-- Online monitoring: the device registry, stored HJ 212 frames (hash-chained per device),
-- readings by kind, refused frames, alarms with evidence and their lifecycle.

CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    mn TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    town TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL,
    spec TEXT NOT NULL,           -- the whole registry record as JSON (lantian_core::Device)
    updated_at INTEGER NOT NULL
) STRICT;

-- Every stored frame, verbatim. hash = SHA-256(prev_hash || received_at || raw), prev_hash being
-- the device's previous frame's hash. Frames are appended in id order; no index by device, so
-- that a busy receiver writes few pages per frame (chain_heads anchors each chain's end).
CREATE TABLE frames (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices (id),
    seq INTEGER NOT NULL,         -- position in the device's chain, from 1
    received_at INTEGER NOT NULL, -- Unix milliseconds
    cn INTEGER NOT NULL,
    qn TEXT,
    data_time INTEGER,             -- DataTime (Unix seconds) when the frame has one
    raw BLOB NOT NULL,
    prev_hash BLOB NOT NULL,      -- the device's previous frame's hash (zeros for its first)
    hash BLOB NOT NULL
) STRICT;

-- The end of each device's chain: where the next frame links, and what a verification must
-- reach (a removed tail would show).
CREATE TABLE chain_heads (
    device_id INTEGER PRIMARY KEY REFERENCES devices (id),
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    frame_id INTEGER NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;

-- An upload without a DataTime is deduplicated on its QN instead.
CREATE UNIQUE INDEX frames_undated ON frames (device_id, cn, qn)
    WHERE data_time IS NULL AND qn IS NOT NULL;

-- One row per (device, CN, DataTime, part of a split message): 2011 real-time, 2051 minute, 2061 hourly, 2031 daily
-- (and other uploads that carry a DataTime) are kept apart by CN. A re-sent frame is stored once.
-- The key is time first: live data from thousands of devices then lands on the last pages
-- instead of one page per device per commit (measured: 15.6k → 25.9k frames/s at 10,000
-- devices); a device's history is a scan of the time range.
CREATE TABLE readings (
    device_id INTEGER NOT NULL,
    cn INTEGER NOT NULL,
    data_time INTEGER NOT NULL,   -- Unix seconds (UTC) of the wire's Beijing DataTime
    part INTEGER NOT NULL,        -- PNO of a split message (拆分包), 0 when not split
    frame_id INTEGER NOT NULL,
    vals BLOB NOT NULL,           -- lantian_core::reading::encode_values
    PRIMARY KEY (cn, data_time, device_id, part)
) STRICT, WITHOUT ROWID;

-- Frames refused at the door (unknown MN, wrong password, bad time, …).
CREATE TABLE ingest_rejects (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    peer TEXT NOT NULL,
    mn TEXT,
    reason TEXT NOT NULL,
    excerpt BLOB NOT NULL
) STRICT;

CREATE TABLE alarms (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices (id),
    kind TEXT NOT NULL,
    factor TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    value INTEGER,
    lim INTEGER,
    detail TEXT NOT NULL,
    raised_at INTEGER NOT NULL,   -- Unix milliseconds
    recovered_at INTEGER,         -- when the condition ended (the alarm stays until handled)
    assignee TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX alarms_by_device ON alarms (device_id, kind, factor);
CREATE INDEX alarms_by_state ON alarms (state, raised_at);

CREATE TABLE alarm_evidence (
    alarm_id INTEGER NOT NULL REFERENCES alarms (id),
    frame_id INTEGER NOT NULL REFERENCES frames (id),
    PRIMARY KEY (alarm_id, frame_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE alarm_events (
    id INTEGER PRIMARY KEY,
    alarm_id INTEGER NOT NULL REFERENCES alarms (id),
    at INTEGER NOT NULL,          -- Unix milliseconds
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL,
    attachments TEXT NOT NULL     -- JSON array
) STRICT;
CREATE INDEX alarm_events_by_alarm ON alarm_events (alarm_id, id);
