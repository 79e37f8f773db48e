//! People and settings in the store: users with their role and scope, login sessions, the
//! audit log of changes, and the map layers the bureau configures. Password hashing and session tokens are the caller's (the web shell): the store
//! keeps only PHC hash strings and SHA-256 hashes of tokens.

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Store id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the console and in the audit log.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role name (`lantian_core::access::Role`).
    pub role: String,
    /// The town or department the user acts for, for scoped roles.
    pub scope: Option<String>,
    /// Inactive users cannot log in and their sessions are refused.
    pub active: bool,
}

/// A user to add or replace (by username).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role name.
    pub role: String,
    /// Town or department, for scoped roles.
    pub scope: Option<String>,
    /// Whether the user may log in.
    pub active: bool,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Who (username, or `cli:<os user>` for the command line).
    pub actor: String,
    /// What, e.g. `alarm.acknowledge`, `user.upsert`.
    pub action: String,
    /// On what, e.g. `alarm:12`, `user:wang`.
    pub target: String,
    /// Details as JSON.
    pub detail: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Store id (increasing).
    pub id: i64,
    /// The entry.
    pub entry: AuditEntry,
}

/// A map layer: GeoJSON the bureau configured (district or town boundaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLayer {
    /// Name, e.g. `district`.
    pub name: String,
    /// A FeatureCollection in WGS-84.
    pub geojson: String,
    /// The file's coordinate system before normalisation (`wgs84` or `gcj02`).
    pub source_crs: String,
    /// Where it came from.
    pub source: String,
}

/// A map layer without its GeoJSON: what a page needs to name it and to ask for it by version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLayerInfo {
    /// Name, e.g. `district`.
    pub name: String,
    /// The file's coordinate system before normalisation (`wgs84` or `gcj02`).
    pub source_crs: String,
    /// Where it came from.
    pub source: String,
    /// When it was stored (Unix milliseconds).
    pub updated_at_ms: i64,
    /// Its GeoJSON's length (characters).
    pub length: i64,
}

impl MapLayerInfo {
    /// Changes whenever the layer is imported again (a cache key and a URL's version).
    #[must_use]
    pub fn version(&self) -> String {
        format!("{}-{}", self.updated_at_ms, self.length)
    }
}

/// A map layer's name, source and version, without reading its GeoJSON.
pub(crate) const MAP_LAYER_INFO_SQL: &str =
    "SELECT name, source_crs, source, updated_at, length(geojson) FROM map_layers WHERE name = ?1";
pub(crate) const MAP_LAYER_INFO_SQL_PG: &str =
    "SELECT name, source_crs, source, updated_at, length(geojson) FROM map_layers WHERE name = $1";
