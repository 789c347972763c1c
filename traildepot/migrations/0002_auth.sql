-- Built-in auth: OTP challenges, sessions + refresh-token families, staff lockout, passkeys,
-- WebAuthn challenges and the audit log. Append-only: never edit once applied.
ALTER TABLE users ADD COLUMN locked_until TEXT;

-- Borrower phone OTP. The code is stored only as an HMAC (key in depot/secrets).
CREATE TABLE otp_challenges (
  id         TEXT PRIMARY KEY,
  phone      TEXT NOT NULL,
  code_hash  TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'used', 'dead')),
  ip         TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX otp_challenges_phone ON otp_challenges (phone, created_at);

-- A session is one refresh-token family. Revoking it ends every token of the family.
CREATE TABLE auth_sessions (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  method         TEXT NOT NULL CHECK (method IN ('otp', 'password', 'passkey')),
  ip             TEXT,
  user_agent     TEXT,
  created_at     TEXT NOT NULL,
  last_used_at   TEXT NOT NULL,
  expires_at     TEXT NOT NULL,
  revoked_at     TEXT,
  revoked_reason TEXT
) STRICT;
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

-- Opaque refresh tokens, stored as SHA-256. rotated_at set = already used; presenting it again is reuse.
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  rotated_at TEXT
) STRICT;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Failed staff password sign-ins inside the lockout window.
CREATE TABLE login_failures (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  at      TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_user ON login_failures (user_id, at);

-- WebAuthn credentials (passkeys).
CREATE TABLE passkeys (
  id           TEXT PRIMARY KEY,            -- credential id, base64url
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  public_key   BLOB NOT NULL,               -- COSE public key
  counter      INTEGER NOT NULL DEFAULT 0,
  transports   TEXT NOT NULL DEFAULT '[]',  -- JSON array
  device_name  TEXT NOT NULL,
  device_type  TEXT,
  backed_up    INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  last_used_at TEXT
) STRICT;
CREATE INDEX passkeys_user ON passkeys (user_id);

-- Pending WebAuthn ceremonies (single use, short-lived).
CREATE TABLE webauthn_challenges (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('register', 'login')),
  user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
  challenge  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) STRICT;

-- Audit log: every sign-in, failure, lockout, token reuse, passkey change, role change.
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         TEXT NOT NULL,
  event      TEXT NOT NULL,
  user_id    TEXT,
  actor_id   TEXT,
  ip         TEXT,
  user_agent TEXT,
  details    TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_event ON audit_log (event, at);
