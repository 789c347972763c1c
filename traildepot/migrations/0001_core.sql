-- Core platform tables. Append-only: never edit an applied migration, add a new file.
CREATE TABLE _meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
INSERT INTO _meta (key, value) VALUES ('probe', 'ok');

-- Users: borrowers (phone) and staff (email + password). Auth extends this in later migrations.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  role          TEXT NOT NULL CHECK (role IN ('borrower', 'analyst', 'finance', 'admin')),
  phone         TEXT UNIQUE,
  email         TEXT UNIQUE COLLATE NOCASE,
  password_hash TEXT,
  display_name  TEXT,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  CHECK (phone IS NOT NULL OR email IS NOT NULL)
) STRICT;

-- Idempotency-Key store (DESIGN §3): same key + same body replays; other body 422; still running 409.
CREATE TABLE idempotency_keys (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  body_hash    TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
  status       INTEGER,
  headers      TEXT,
  body         TEXT,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
