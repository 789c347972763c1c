-- SNAP BI: the B2B access tokens issued to the bank (kept as SHA-256 hashes; 15 minutes each) and the bank's
-- transactional requests by (partner id, X-EXTERNAL-ID, Jakarta day) with the answer given, so a repeated
-- X-EXTERNAL-ID with the same request replays that answer and one with another request is refused.
CREATE TABLE snap_access_tokens (
  token_hash  TEXT PRIMARY KEY,
  client_key  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX snap_access_tokens_expiry ON snap_access_tokens (expires_at);

CREATE TABLE snap_requests (
  partner_id   TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  day          TEXT NOT NULL,
  service      TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  http_status  INTEGER NOT NULL,
  response     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (partner_id, external_id, day)
);
