-- The collection log of a loan: what staff did to collect it — notes, call attempts (with their outcome) and
-- promises to pay (an amount by a date). A promise is never updated: whether it was kept or broken is derived from
-- the payments applied to the loan between the promise and the end of its date (Asia/Jakarta).
CREATE TABLE collection_log (
  id              TEXT PRIMARY KEY,
  loan_id         TEXT NOT NULL REFERENCES loans (id),
  kind            TEXT NOT NULL CHECK (kind IN ('note', 'call_attempt', 'promise_to_pay')),
  outcome         TEXT CHECK (outcome IN ('reached', 'no_answer', 'busy', 'wrong_number', 'refused')),
  note            TEXT NOT NULL DEFAULT '',
  promised_amount INTEGER CHECK (promised_amount > 0),
  promised_date   TEXT,
  actor_id        TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  CHECK ((kind = 'call_attempt') = (outcome IS NOT NULL)),
  CHECK ((kind = 'promise_to_pay') = (promised_amount IS NOT NULL AND promised_date IS NOT NULL))
) STRICT;
CREATE INDEX collection_log_loan ON collection_log (loan_id, created_at);
