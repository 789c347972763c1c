-- Money movement: double-entry ledger, virtual accounts, disbursements, payments, webhook events,
-- refunds. Loans/instalments live in 0004; loan_id columns here are plain TEXT so this file stays independent.

-- Chart of accounts. `normal` is the side that increases the account.
CREATE TABLE ledger_accounts (
  code   TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  type   TEXT NOT NULL CHECK (type IN ('asset', 'liability', 'income', 'expense', 'equity')),
  normal TEXT NOT NULL CHECK (normal IN ('debit', 'credit'))
) STRICT;
INSERT INTO ledger_accounts (code, name, type, normal) VALUES
  ('cash',                  'Cash / gateway settlement',      'asset',     'debit'),
  ('disbursement_clearing', 'Disbursements in flight',        'asset',     'debit'),
  ('principal_receivable',  'Loan principal receivable',      'asset',     'debit'),
  ('interest_receivable',   'Interest receivable',            'asset',     'debit'),
  ('fee_receivable',        'Fee receivable',                 'asset',     'debit'),
  ('late_fee_receivable',   'Late-fee receivable',            'asset',     'debit'),
  ('borrower_credit',       'Borrower credit (overpayments)', 'liability', 'credit'),
  ('interest_income',       'Interest income',                'income',    'credit'),
  ('fee_income',            'Fee income',                     'income',    'credit'),
  ('late_fee_income',       'Late-fee income',                'income',    'credit'),
  ('write_off_expense',     'Write-off expense',              'expense',   'debit'),
  ('funding',               'Lender funding / equity',        'equity',    'credit');

-- One journal per money movement; (kind, ref) makes posting idempotent.
CREATE TABLE ledger_journals (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind      TEXT NOT NULL,
  ref       TEXT NOT NULL,
  loan_id   TEXT,
  memo      TEXT,
  total     INTEGER NOT NULL CHECK (total > 0),
  posted_at TEXT NOT NULL,
  UNIQUE (kind, ref)
) STRICT;
CREATE INDEX ledger_journals_loan ON ledger_journals (loan_id);

CREATE TABLE ledger_lines (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  account    TEXT NOT NULL REFERENCES ledger_accounts (code),
  loan_id    TEXT,
  debit      INTEGER NOT NULL DEFAULT 0 CHECK (debit >= 0),
  credit     INTEGER NOT NULL DEFAULT 0 CHECK (credit >= 0),
  CHECK ((debit = 0) <> (credit = 0))
) STRICT;
CREATE INDEX ledger_lines_journal ON ledger_lines (journal_id);
CREATE INDEX ledger_lines_loan_account ON ledger_lines (loan_id, account);

-- Repayment virtual accounts: one per loan.
CREATE TABLE virtual_accounts (
  va_number  TEXT PRIMARY KEY,
  loan_id    TEXT NOT NULL UNIQUE,
  provider   TEXT NOT NULL,
  bank_code  TEXT NOT NULL,
  name       TEXT,
  created_at TEXT NOT NULL
) STRICT;

-- Exactly one disbursement per loan, ever (retries are attempts of the same row).
CREATE TABLE disbursements (
  id             TEXT PRIMARY KEY,
  loan_id        TEXT NOT NULL UNIQUE,
  principal      INTEGER NOT NULL CHECK (principal > 0),
  fee_amount     INTEGER NOT NULL CHECK (fee_amount >= 0),
  net_amount     INTEGER NOT NULL CHECK (net_amount > 0),
  status         TEXT NOT NULL CHECK (status IN ('queued', 'pending', 'succeeded', 'failed', 'needs_attention')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  provider       TEXT,
  gateway_ref    TEXT,
  failure_reason TEXT,
  requested_at   TEXT,
  completed_at   TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX disbursements_status ON disbursements (status);

-- Every webhook delivery that reached us. Verified events are unique per (provider, event_id).
CREATE TABLE webhook_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  provider       TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('payment', 'disbursement')),
  event_id       TEXT,
  verified       INTEGER NOT NULL CHECK (verified IN (0, 1)),
  status         TEXT NOT NULL CHECK (status IN ('applied', 'needs_attention', 'ignored', 'rejected', 'failed')),
  failure_reason TEXT,
  headers        TEXT NOT NULL,
  body           TEXT NOT NULL,
  result         TEXT,
  attempts       INTEGER NOT NULL DEFAULT 1,
  received_at    TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX webhook_events_unique ON webhook_events (provider, event_id) WHERE verified = 1;
CREATE INDEX webhook_events_status ON webhook_events (status, id);

-- Repayments: unique per provider payment id, so a webhook and a reconciliation see the same payment once.
CREATE TABLE payments (
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
  UNIQUE (provider, provider_payment_id)
) STRICT;
CREATE INDEX payments_loan ON payments (loan_id, paid_at);
CREATE INDEX payments_status ON payments (status, id);

-- Refunds of borrower credit balances (finance).
CREATE TABLE refunds (
  id         TEXT PRIMARY KEY,
  loan_id    TEXT NOT NULL,
  amount     INTEGER NOT NULL CHECK (amount > 0),
  reason     TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX refunds_loan ON refunds (loan_id);
