-- Suspense and recoveries in money movement:
-- * unapplied_cash: suspense for money received that cannot be applied to a loan yet (unknown VA, loan cancelled…).
--   The receipt is posted Dr cash / Cr unapplied_cash; finance resolves it (apply to a loan or refund) through
--   POST /api/v1/admin/payments/{id}/resolve, which moves it out of suspense.
-- * recovery_income: money received on a written-off loan (its receivables were written off).
-- * payments.unapplied_amount: the part of the payment held in unapplied_cash (the ledger check proves
--   SUM(unapplied_amount) = balance of unapplied_cash); resolution columns record who resolved it, how and when.
-- * refunds.transfer_reference: the bank/gateway reference of the transfer that paid the refund out.
INSERT INTO ledger_accounts (code, name, type, normal) VALUES
  ('unapplied_cash',  'Unapplied cash (suspense)',        'liability', 'credit'),
  ('recovery_income', 'Recoveries on written-off loans',  'income',    'credit');

ALTER TABLE payments ADD COLUMN unapplied_amount INTEGER NOT NULL DEFAULT 0 CHECK (unapplied_amount >= 0);
ALTER TABLE payments ADD COLUMN resolution TEXT;
ALTER TABLE payments ADD COLUMN resolved_by TEXT;
ALTER TABLE payments ADD COLUMN resolved_at TEXT;
ALTER TABLE refunds ADD COLUMN transfer_reference TEXT;
