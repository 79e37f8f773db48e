-- Map layers the bureau configures (district and town boundaries), GeoJSON in WGS-84.
CREATE TABLE map_layers (
    name TEXT PRIMARY KEY,
    geojson TEXT NOT NULL,         -- a FeatureCollection, coordinates WGS-84
    source_crs TEXT NOT NULL,      -- the file's system before normalisation: wgs84 | gcj02
    source TEXT NOT NULL,          -- file name or description
    updated_at INTEGER NOT NULL    -- Unix milliseconds
);
