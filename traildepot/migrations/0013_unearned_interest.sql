-- Accrual-style income recognition:
-- * unearned_interest: the schedule's interest is credited here when a disbursement settles (not to interest_income);
--   each instalment's interest moves to interest_income when it falls due (collections sweep, journal kind
--   `income.recognised`, ref `<loanId>:<seq>`), all remaining instalments' interest at payoff; a write-off reverses
--   the unrecognised interest against interest_receivable instead of expensing it.
-- * unearned_fee: the same for schedule (per-instalment) fees; the upfront fee is earned at origination.
INSERT INTO ledger_accounts (code, name, type, normal) VALUES
  ('unearned_interest', 'Unearned interest',       'liability', 'credit'),
  ('unearned_fee',      'Unearned schedule fees',  'liability', 'credit');
