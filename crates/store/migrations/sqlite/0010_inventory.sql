-- The emission inventory: every version of every year kept (a ledger: rows are only added;
-- the newest version of a year is in force).

CREATE TABLE inventory_versions (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    sha256 TEXT NOT NULL,            -- of the body
    name TEXT NOT NULL,              -- the file, or what made it (roll forward, measured totals)
    note TEXT NOT NULL,              -- why
    body TEXT NOT NULL,              -- JSON: lantian_inventory::Inventory
    totals TEXT NOT NULL,            -- JSON: tonnes per pollutant, as computed when stored
    example INTEGER NOT NULL,        -- example data, not the district's
    loaded_at INTEGER NOT NULL,
    loaded_by TEXT NOT NULL
);
CREATE INDEX inventory_versions_by_year ON inventory_versions (year, id);
CREATE TRIGGER inventory_versions_no_update BEFORE UPDATE ON inventory_versions
BEGIN
    SELECT RAISE(ABORT, 'inventory_versions is append-only');
END;
CREATE TRIGGER inventory_versions_no_delete BEFORE DELETE ON inventory_versions
BEGIN
    SELECT RAISE(ABORT, 'inventory_versions is append-only');
END;
