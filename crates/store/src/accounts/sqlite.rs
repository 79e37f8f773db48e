//! Users, sessions and the audit log on SQLite.

use rusqlite::{OptionalExtension, Row, params};

use super::{AuditEntry, AuditRecord, MapLayer, MapLayerInfo, NewUser, UserRecord};
use crate::StoreError;
use crate::sqlite::SqliteStore;

const USER_COLS: &str = "id, username, display_name, password_hash, role, scope, active";

fn user(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        role: r.get(4)?,
        scope: r.get(5)?,
        active: r.get(6)?,
    })
}

pub(crate) fn insert_audit(conn: &rusqlite::Connection, e: &AuditEntry) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.at_ms, e.actor, e.action, e.target, e.detail],
    )?;
    Ok(())
}

impl SqliteStore {
    pub(crate) fn upsert_user(&self, u: &NewUser, audit: &AuditEntry) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            let old_hash: Option<String> = tx
                .query_row(
                    "SELECT password_hash FROM users WHERE username = ?1",
                    [&u.username],
                    |r| r.get(0),
                )
                .optional()?;
            let id: i64 = tx.query_row(
                "INSERT INTO users (username, display_name, password_hash, role, scope, active, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
                   password_hash = excluded.password_hash, role = excluded.role,
                   scope = excluded.scope, active = excluded.active, updated_at = excluded.updated_at
                 RETURNING id",
                params![
                    u.username,
                    u.display_name,
                    u.password_hash,
                    u.role,
                    u.scope,
                    u.active,
                    audit.at_ms
                ],
                |r| r.get(0),
            )?;
            // Disabled, or a new password: every session ends.
            if !u.active || old_hash.is_some_and(|h| h != u.password_hash) {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
            }
            insert_audit(&tx, audit)?;
            tx.commit()?;
            Ok(id)
        })
    }

    pub(crate) fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {USER_COLS} FROM users WHERE username = ?1"),
                    [username],
                    user,
                )
                .optional()?)
        })
    }

    pub(crate) fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY id"))?;
            let rows = stmt.query_map([], user)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now_ms])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user_id, now_ms, expires_ms],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    pub(crate) fn session_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.scope, u.active
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.active",
                    params![token_hash, now_ms],
                    user,
                )
                .optional()?)
        })
    }

    pub(crate) fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        self.with_writer(|conn| {
            Ok(conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])? > 0)
        })
    }

    pub(crate) fn record_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        self.with_writer(|conn| insert_audit(conn, e))
    }

    pub(crate) fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok(AuditRecord {
                    id: r.get(0)?,
                    entry: AuditEntry {
                        at_ms: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                        detail: r.get(5)?,
                    },
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub(crate) fn put_map_layer(&self, l: &MapLayer, audit: &AuditEntry) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO map_layers (name, geojson, source_crs, source, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET geojson = excluded.geojson, source_crs = excluded.source_crs,
                   source = excluded.source, updated_at = excluded.updated_at",
                params![l.name, l.geojson, l.source_crs, l.source, audit.at_ms],
            )?;
            insert_audit(&tx, audit)?;
            tx.commit()?;
            Ok(())
        })
    }

    pub(crate) fn map_layer(&self, name: &str) -> Result<Option<MapLayer>, StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(
                    "SELECT name, geojson, source_crs, source FROM map_layers WHERE name = ?1",
                    [name],
                    |r| {
                        Ok(MapLayer {
                            name: r.get(0)?,
                            geojson: r.get(1)?,
                            source_crs: r.get(2)?,
                            source: r.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    pub(crate) fn map_layer_info(&self, name: &str) -> Result<Option<MapLayerInfo>, StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row(super::MAP_LAYER_INFO_SQL, [name], |r| {
                    Ok(MapLayerInfo {
                        name: r.get(0)?,
                        source_crs: r.get(1)?,
                        source: r.get(2)?,
                        updated_at_ms: r.get(3)?,
                        length: r.get(4)?,
                    })
                })
                .optional()?)
        })
    }
}
