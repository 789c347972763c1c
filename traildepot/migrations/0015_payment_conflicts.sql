-- A gateway that reports a payment it already reported (same provider payment id) with other facts (amount, VA or
-- currency) is contradicting itself. That report is kept as its own needs_attention payment row pointing at the
-- payment it contradicts (conflict_of), nothing posted, for finance to resolve; it never moves money by itself.
-- The provider payment id therefore stays unique only among the payments themselves (conflict_of IS NULL); each
-- distinct contradicting report (amount, VA) is recorded once per payment however often it is re-sent.
-- SQLite cannot drop a table constraint, so the table is rebuilt with the same columns (nothing references it).
CREATE TABLE payments_rebuilt (
  id                  TEXT PRIMARY KEY,
  provider            TEXT NOT NULL,
  provider_payment_id TEXT NOT NULL,
  va_number           TEXT NOT NULL,
  loan_id             TEXT,
  amount              INTEGER NOT NULL,
  paid_at             TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('applied', 'pending', 'needs_attention')),
  reason              TEXT,
  allocation          TEXT,
  source              TEXT NOT NULL CHECK (source IN ('webhook', 'reconcile')),
  webhook_event_id    INTEGER,
  created_at          TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  unapplied_amount    INTEGER NOT NULL DEFAULT 0 CHECK (unapplied_amount >= 0),
  resolution          TEXT,
  resolved_by         TEXT,
  resolved_at         TEXT,
  conflict_of         TEXT
) STRICT;

INSERT INTO payments_rebuilt (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source,
                              webhook_event_id, created_at, updated_at, unapplied_amount, resolution, resolved_by, resolved_at)
  SELECT id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source,
         webhook_event_id, created_at, updated_at, unapplied_amount, resolution, resolved_by, resolved_at
    FROM payments;

DROP TABLE payments;
ALTER TABLE payments_rebuilt RENAME TO payments;

CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_payment_id) WHERE conflict_of IS NULL;
CREATE UNIQUE INDEX payments_conflict_once ON payments (conflict_of, amount, va_number) WHERE conflict_of IS NOT NULL;
CREATE INDEX payments_loan ON payments (loan_id, paid_at);
CREATE INDEX payments_status ON payments (status, id);
