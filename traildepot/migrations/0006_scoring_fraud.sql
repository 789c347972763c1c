-- Credit scoring and fraud checks. Append-only: add a new file to change this.

-- Fraud rule configuration (data-driven thresholds). threshold: the most allowed (velocity: applications in the
-- window, this one included); window_hours: the velocity window. Admins change rows; the job gets them in its payload.
CREATE TABLE fraud_rules (
  id           TEXT PRIMARY KEY,
  enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  severity     TEXT NOT NULL CHECK (severity IN ('block', 'review')),
  threshold    INTEGER CHECK (threshold IS NULL OR threshold >= 0),
  window_hours INTEGER CHECK (window_hours IS NULL OR window_hours > 0),
  message      TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  updated_by   TEXT
) STRICT;

INSERT INTO fraud_rules (id, enabled, severity, threshold, window_hours, message, updated_at) VALUES
  ('nik_format',             1, 'block',  NULL, NULL, 'NIK is not 16 digits', '2026-01-01T00:00:00.000Z'),
  ('nik_region',             1, 'block',  NULL, NULL, 'NIK province/regency/district code is not valid', '2026-01-01T00:00:00.000Z'),
  ('nik_date',               1, 'block',  NULL, NULL, 'NIK birth date (DDMMYY, +40 for women) is not a valid date', '2026-01-01T00:00:00.000Z'),
  ('nik_sequence',           1, 'block',  NULL, NULL, 'NIK sequence number is 0000', '2026-01-01T00:00:00.000Z'),
  ('nik_dob_mismatch',       1, 'block',  NULL, NULL, 'NIK birth date does not match the declared birth date', '2026-01-01T00:00:00.000Z'),
  ('nik_sex_mismatch',       1, 'review', NULL, NULL, 'NIK sex (+40 day for women) does not match the declared sex', '2026-01-01T00:00:00.000Z'),
  ('velocity_nik',           1, 'block',  3,    720,  'Too many applications with this NIK', '2026-01-01T00:00:00.000Z'),
  ('velocity_phone',         1, 'review', 3,    720,  'Too many applications from this phone number', '2026-01-01T00:00:00.000Z'),
  ('velocity_device',        1, 'review', 3,    168,  'Too many applications from this device', '2026-01-01T00:00:00.000Z'),
  ('velocity_bank_account',  1, 'review', 2,    720,  'Too many applications paying out to this bank account', '2026-01-01T00:00:00.000Z'),
  ('velocity_ip',            1, 'review', 5,    24,   'Too many applications from this IP address', '2026-01-01T00:00:00.000Z'),
  ('document_reuse',         1, 'block',  NULL, NULL, 'A document (same SHA-256) is also used by another borrower', '2026-01-01T00:00:00.000Z'),
  ('bank_account_reuse',     1, 'review', NULL, NULL, 'The bank account is also used by another borrower', '2026-01-01T00:00:00.000Z'),
  ('blocklist_nik',          1, 'block',  NULL, NULL, 'NIK is on the blocklist', '2026-01-01T00:00:00.000Z'),
  ('blocklist_phone',        1, 'block',  NULL, NULL, 'Phone number is on the blocklist', '2026-01-01T00:00:00.000Z'),
  ('blocklist_bank_account', 1, 'block',  NULL, NULL, 'Bank account is on the blocklist', '2026-01-01T00:00:00.000Z'),
  ('blocklist_device',       1, 'review', NULL, NULL, 'Device is on the blocklist', '2026-01-01T00:00:00.000Z');

-- Blocklist managed by admins. value is normalised: nik = 16 digits, phone = E.164 (+62…),
-- bank_account = '<bank_code>:<account number digits>', device = the app's device id. Removal is soft.
CREATE TABLE blocklist (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('nik', 'phone', 'bank_account', 'device')),
  value       TEXT NOT NULL,
  reason      TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  removed_at  TEXT,
  removed_by  TEXT
) STRICT;
CREATE UNIQUE INDEX blocklist_active ON blocklist (kind, value) WHERE removed_at IS NULL;

-- One fraud check per application: every rule evaluated (hit or not) and the snapshot it ran on.
CREATE TABLE fraud_checks (
  application_id   TEXT PRIMARY KEY REFERENCES applications (id),
  outcome          TEXT NOT NULL CHECK (outcome IN ('clear', 'review', 'block')),
  evaluations_json TEXT NOT NULL,
  snapshot_json    TEXT NOT NULL,
  job_id           TEXT,
  checked_at       TEXT NOT NULL
) STRICT;

-- Each rule hit with its evidence.
CREATE TABLE fraud_hits (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  application_id TEXT NOT NULL REFERENCES applications (id),
  user_id        TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  severity       TEXT NOT NULL CHECK (severity IN ('block', 'review')),
  message        TEXT NOT NULL,
  evidence_json  TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  UNIQUE (application_id, rule_id)
) STRICT;
CREATE INDEX fraud_hits_rule ON fraud_hits (rule_id, created_at);

-- Score of an application (model version, score, PD, top four reason codes with borrower text) and the decision.
CREATE TABLE score_decisions (
  application_id        TEXT PRIMARY KEY REFERENCES applications (id),
  model_version         TEXT NOT NULL,
  score                 INTEGER NOT NULL,
  pd                    REAL NOT NULL CHECK (pd >= 0 AND pd <= 1),
  reasons_json          TEXT NOT NULL,
  snapshot_json         TEXT NOT NULL,
  scored_at             TEXT NOT NULL,
  decision              TEXT CHECK (decision IN ('approved', 'rejected', 'manual_review')),
  decision_reasons_json TEXT,
  offer_json            TEXT,
  decision_note         TEXT,
  decided_at            TEXT
) STRICT;

-- Every feature value and its points (the explanation).
CREATE TABLE score_feature_points (
  application_id TEXT NOT NULL REFERENCES score_decisions (application_id),
  feature        TEXT NOT NULL,
  value_json     TEXT NOT NULL,
  bin            TEXT NOT NULL,
  points         INTEGER NOT NULL,
  max_points     INTEGER NOT NULL,
  PRIMARY KEY (application_id, feature)
) STRICT;

-- Settings of the risk checks. stuck_after_minutes: an application in 'checking' longer than this is stuck.
CREATE TABLE risk_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
INSERT INTO risk_settings (key, value) VALUES ('stuck_after_minutes', '30');

-- Velocity look-ups of the fraud snapshot (per IP and per device id of applications).
CREATE INDEX applications_ip ON applications (ip);
CREATE INDEX applications_device_id ON applications (COALESCE(json_extract(device_json, '$.deviceId'), json_extract(device_json, '$.device_id'), json_extract(device_json, '$.id')));
