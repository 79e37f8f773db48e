-- Users, sessions and the audit log.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,   -- argon2id, PHC string
    role TEXT NOT NULL,            -- admin | office | town | department | viewer
    scope TEXT,                    -- the town or department a town/department user acts for
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,   -- Unix milliseconds
    updated_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,   -- SHA-256 of the cookie token (hex); the token is never stored
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
-- Append-only: every change made by a person (alarm actions, users, later plan data).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,           -- Unix milliseconds
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL           -- JSON
);
