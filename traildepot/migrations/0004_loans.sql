-- Loan origination: products, dated regulatory caps, borrower profiles, KYC documents,
-- applications with their event trail, loans and instalments. Append-only: add a new file to change this.

-- Regulatory caps are dated data (DESIGN §4). A cap applies to a loan priced on a date D when
-- effective_from <= D and (effective_to IS NULL OR D <= effective_to), its purpose matches ('any' matches all)
-- and the term in days falls in [min_term_days, max_term_days) (NULL max = no upper bound).
-- rule: daily_cost     interest + all fees (not late fees) per day on the principal, value in ppm/day
--       late_fee_daily late fee per day on the overdue amount, value in ppm/day
--       total_cost     interest + fees + late fees over the life of the loan, value in ppm of principal
--       income_ratio   instalment (monthly equivalent) / declared monthly income, value in ppm
--       min_age        borrower age in whole years, value in years
CREATE TABLE regulatory_caps (
  id             TEXT PRIMARY KEY,
  rule           TEXT NOT NULL CHECK (rule IN ('daily_cost', 'late_fee_daily', 'total_cost', 'income_ratio', 'min_age')),
  purpose        TEXT NOT NULL CHECK (purpose IN ('consumptive', 'productive', 'any')),
  min_term_days  INTEGER NOT NULL DEFAULT 0,
  max_term_days  INTEGER,
  value          INTEGER NOT NULL CHECK (value >= 0),
  unit           TEXT NOT NULL CHECK (unit IN ('ppm_per_day', 'ppm', 'years')),
  effective_from TEXT NOT NULL,
  effective_to   TEXT,
  source         TEXT NOT NULL
) STRICT;

INSERT INTO regulatory_caps (id, rule, purpose, min_term_days, max_term_days, value, unit, effective_from, effective_to, source) VALUES
  ('ojk-cons-2024',        'daily_cost',     'consumptive', 0,   NULL, 3000, 'ppm_per_day', '2024-01-01', '2024-12-31', 'SEOJK 19/2023: consumptive 0.3%/day'),
  ('ojk-cons-2025-short',  'daily_cost',     'consumptive', 0,   180,  3000, 'ppm_per_day', '2025-01-01', NULL,         'SEOJK 19/2023: consumptive 0.3%/day, tenor < 6 months'),
  ('ojk-cons-2025-long',   'daily_cost',     'consumptive', 180, NULL, 2000, 'ppm_per_day', '2025-01-01', NULL,         'SEOJK 19/2023: consumptive 0.2%/day, tenor >= 6 months'),
  ('ojk-prod-short',       'daily_cost',     'productive',  0,   180,  2750, 'ppm_per_day', '2024-01-01', NULL,         'SEOJK 19/2023: productive micro 0.275%/day, tenor < 6 months'),
  ('ojk-prod-long',        'daily_cost',     'productive',  180, NULL, 1000, 'ppm_per_day', '2024-01-01', NULL,         'SEOJK 19/2023: productive micro 0.1%/day, tenor >= 6 months'),
  ('ojk-late-cons-2024',   'late_fee_daily', 'consumptive', 0,   NULL, 3000, 'ppm_per_day', '2024-01-01', '2024-12-31', 'SEOJK 19/2023: late fee at most the consumptive daily rate'),
  ('ojk-late-cons-short',  'late_fee_daily', 'consumptive', 0,   180,  3000, 'ppm_per_day', '2025-01-01', NULL,         'SEOJK 19/2023: late fee 0.3%/day, tenor < 6 months'),
  ('ojk-late-cons-long',   'late_fee_daily', 'consumptive', 180, NULL, 2000, 'ppm_per_day', '2025-01-01', NULL,         'SEOJK 19/2023: late fee 0.2%/day, tenor >= 6 months'),
  ('ojk-late-prod-short',  'late_fee_daily', 'productive',  0,   180,  2750, 'ppm_per_day', '2024-01-01', NULL,         'SEOJK 19/2023: late fee at most the productive daily rate, tenor < 6 months'),
  ('ojk-late-prod-long',   'late_fee_daily', 'productive',  180, NULL, 1000, 'ppm_per_day', '2024-01-01', NULL,         'SEOJK 19/2023: late fee 0.1%/day, tenor >= 6 months'),
  ('ojk-total-cost',       'total_cost',     'any',         0,   NULL, 1000000, 'ppm',      '2024-01-01', NULL,         'SEOJK 19/2023: interest + fees + late fees at most 100% of principal'),
  ('ojk-income-40',        'income_ratio',   'any',         0,   NULL, 400000, 'ppm',       '2024-01-01', '2025-12-31', 'SEOJK 19/2023: instalment at most 40% of monthly income'),
  ('ojk-income-30',        'income_ratio',   'any',         0,   NULL, 300000, 'ppm',       '2026-01-01', NULL,         'SEOJK 19/2023: instalment at most 30% of monthly income from 2026'),
  ('ojk-min-age',          'min_age',        'any',         0,   NULL, 18,     'years',     '2024-01-01', NULL,         'POJK 10/2022: borrowers at least 18 years old');

-- Loan products. Rates are integer parts per million (ppm): interest_rate_ppm is per tenor unit (one day, week or
-- month); late_fee_ppm is per day on the overdue amount. Money is integer rupiah.
CREATE TABLE products (
  id                TEXT PRIMARY KEY,
  code              TEXT NOT NULL UNIQUE,
  name              TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  purpose           TEXT NOT NULL CHECK (purpose IN ('consumptive', 'productive')),
  min_amount        INTEGER NOT NULL CHECK (min_amount > 0),
  max_amount        INTEGER NOT NULL CHECK (max_amount >= min_amount),
  min_tenor         INTEGER NOT NULL CHECK (min_tenor > 0),
  max_tenor         INTEGER NOT NULL CHECK (max_tenor >= min_tenor),
  tenor_unit        TEXT NOT NULL CHECK (tenor_unit IN ('days', 'weeks', 'months')),
  interest_method   TEXT NOT NULL CHECK (interest_method IN ('flat', 'annuity')),
  interest_rate_ppm INTEGER NOT NULL CHECK (interest_rate_ppm >= 0),
  upfront_fee_ppm   INTEGER NOT NULL DEFAULT 0 CHECK (upfront_fee_ppm >= 0),
  admin_fee_amount  INTEGER NOT NULL DEFAULT 0 CHECK (admin_fee_amount >= 0),
  late_fee_ppm      INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_ppm >= 0),
  grace_days        INTEGER NOT NULL DEFAULT 0 CHECK (grace_days >= 0),
  active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;

-- The reference product: 10 % flat over 50 weekly instalments (0.2 %/week = 2000 ppm per week).
INSERT INTO products (id, code, name, description, purpose, min_amount, max_amount, min_tenor, max_tenor, tenor_unit,
  interest_method, interest_rate_ppm, upfront_fee_ppm, admin_fee_amount, late_fee_ppm, grace_days, active, created_at, updated_at)
VALUES ('prod_reference_weekly', 'KK-WEEKLY-50', 'Pinjaman Mingguan', 'Flat 0.2% per week, weekly instalments',
  'consumptive', 1000000, 10000000, 10, 50, 'weeks', 'flat', 2000, 0, 0, 1000, 3, 1,
  '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

-- Borrower profile (one per borrower user) as declared for KYC.
CREATE TABLE borrower_profiles (
  user_id                 TEXT PRIMARY KEY REFERENCES users (id),
  nik                     TEXT NOT NULL,
  full_name               TEXT NOT NULL,
  birth_date              TEXT NOT NULL,
  sex                     TEXT NOT NULL CHECK (sex IN ('M', 'F')),
  address_line            TEXT NOT NULL,
  city                    TEXT NOT NULL,
  province                TEXT NOT NULL,
  postal_code             TEXT NOT NULL,
  employment_status       TEXT NOT NULL CHECK (employment_status IN ('employed', 'self_employed', 'business_owner', 'student', 'unemployed', 'retired')),
  employer_name           TEXT,
  job_title               TEXT,
  monthly_income_amount   INTEGER NOT NULL CHECK (monthly_income_amount >= 0),
  bank_code               TEXT NOT NULL,
  bank_account_number     TEXT NOT NULL,
  bank_account_name       TEXT NOT NULL,
  emergency_name          TEXT NOT NULL,
  emergency_phone         TEXT NOT NULL,
  emergency_relation      TEXT NOT NULL,
  emergency_consent       INTEGER NOT NULL CHECK (emergency_consent IN (0, 1)),
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL
) STRICT;
CREATE INDEX borrower_profiles_nik ON borrower_profiles (nik);
CREATE INDEX borrower_profiles_bank ON borrower_profiles (bank_code, bank_account_number);

-- KYC documents; bytes live in the blob store under blob_key = documents/{user_id}/{id}.
CREATE TABLE documents (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id),
  kind          TEXT NOT NULL CHECK (kind IN ('ktp', 'selfie', 'payslip')),
  content_type  TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes    INTEGER NOT NULL CHECK (size_bytes > 0),
  sha256        TEXT NOT NULL,
  blob_key      TEXT NOT NULL,
  filename      TEXT,
  created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX documents_user ON documents (user_id, id);
CREATE INDEX documents_sha256 ON documents (sha256);

CREATE TABLE applications (
  id                TEXT PRIMARY KEY,
  user_id           TEXT NOT NULL REFERENCES users (id),
  product_id        TEXT NOT NULL REFERENCES products (id),
  status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'checking', 'approved', 'rejected', 'manual_review',
                      'accepted', 'disbursing', 'active', 'paid_off', 'cancelled', 'expired')),
  principal_amount  INTEGER NOT NULL CHECK (principal_amount > 0),
  tenor             INTEGER NOT NULL CHECK (tenor > 0),
  tenor_unit        TEXT NOT NULL CHECK (tenor_unit IN ('days', 'weeks', 'months')),
  purpose           TEXT NOT NULL,
  instalment_amount INTEGER NOT NULL,
  device_json       TEXT NOT NULL DEFAULT '{}',
  ip                TEXT,
  user_agent        TEXT,
  offer_json        TEXT,
  decision_note     TEXT,
  loan_id           TEXT,
  submitted_at      TEXT,
  decided_at        TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
) STRICT;
CREATE INDEX applications_user ON applications (user_id, id);
CREATE INDEX applications_status ON applications (status, id);

CREATE TABLE application_documents (
  application_id TEXT NOT NULL REFERENCES applications (id),
  document_id    TEXT NOT NULL REFERENCES documents (id),
  PRIMARY KEY (application_id, document_id)
) STRICT;

-- Every status change of an application: who (user id or a system actor such as 'system:scoring'), when, why.
CREATE TABLE application_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  application_id TEXT NOT NULL REFERENCES applications (id),
  from_status    TEXT,
  to_status      TEXT NOT NULL,
  actor          TEXT NOT NULL,
  reason         TEXT NOT NULL DEFAULT '',
  at             TEXT NOT NULL
) STRICT;
CREATE INDEX application_events_app ON application_events (application_id, id);

-- Results of automated checks (fraud rules, scorecard) that staff see next to an application.
-- Fraud/scoring write here (kind, rule_id, outcome, detail_json) or in their own tables.
CREATE TABLE application_checks (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  application_id TEXT NOT NULL REFERENCES applications (id),
  kind           TEXT NOT NULL,
  rule_id        TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  detail_json    TEXT NOT NULL DEFAULT '{}',
  created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX application_checks_app ON application_checks (application_id, id);

CREATE TABLE loans (
  id                   TEXT PRIMARY KEY,
  application_id       TEXT NOT NULL UNIQUE REFERENCES applications (id),
  user_id              TEXT NOT NULL REFERENCES users (id),
  product_id           TEXT NOT NULL REFERENCES products (id),
  status               TEXT NOT NULL CHECK (status IN ('disbursing', 'active', 'delinquent', 'paid_off', 'written_off', 'cancelled')),
  principal_amount     INTEGER NOT NULL CHECK (principal_amount > 0),
  interest_amount      INTEGER NOT NULL CHECK (interest_amount >= 0),
  fee_amount           INTEGER NOT NULL CHECK (fee_amount >= 0),
  upfront_fee_amount   INTEGER NOT NULL CHECK (upfront_fee_amount >= 0),
  disbursed_amount     INTEGER NOT NULL CHECK (disbursed_amount >= 0),
  tenor                INTEGER NOT NULL,
  tenor_unit           TEXT NOT NULL CHECK (tenor_unit IN ('days', 'weeks', 'months')),
  interest_method      TEXT NOT NULL CHECK (interest_method IN ('flat', 'annuity')),
  interest_rate_ppm    INTEGER NOT NULL,
  late_fee_ppm         INTEGER NOT NULL,
  grace_days           INTEGER NOT NULL,
  purpose              TEXT NOT NULL CHECK (purpose IN ('consumptive', 'productive')),
  start_date           TEXT NOT NULL,
  maturity_date        TEXT NOT NULL,
  credit_balance_amount INTEGER NOT NULL DEFAULT 0 CHECK (credit_balance_amount >= 0),
  dpd                  INTEGER NOT NULL DEFAULT 0,
  disbursed_at         TEXT,
  closed_at            TEXT,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
) STRICT;
CREATE INDEX loans_user ON loans (user_id, id);
CREATE INDEX loans_status ON loans (status, id);

-- Instalments: what is due and what has been paid per component; the payments allocator fills the *_paid columns
-- (late fees → fees → interest → principal, oldest first). status: pending | partial | paid.
CREATE TABLE installments (
  id             TEXT PRIMARY KEY,
  loan_id        TEXT NOT NULL REFERENCES loans (id),
  seq            INTEGER NOT NULL CHECK (seq > 0),
  due_date       TEXT NOT NULL,
  principal_due  INTEGER NOT NULL CHECK (principal_due >= 0),
  interest_due   INTEGER NOT NULL CHECK (interest_due >= 0),
  fee_due        INTEGER NOT NULL CHECK (fee_due >= 0),
  late_fee_due   INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_due >= 0),
  principal_paid INTEGER NOT NULL DEFAULT 0 CHECK (principal_paid >= 0 AND principal_paid <= principal_due),
  interest_paid  INTEGER NOT NULL DEFAULT 0 CHECK (interest_paid >= 0 AND interest_paid <= interest_due),
  fee_paid       INTEGER NOT NULL DEFAULT 0 CHECK (fee_paid >= 0 AND fee_paid <= fee_due),
  late_fee_paid  INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_paid >= 0 AND late_fee_paid <= late_fee_due),
  status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'partial', 'paid')),
  paid_at        TEXT,
  UNIQUE (loan_id, seq)
) STRICT;
CREATE INDEX installments_due ON installments (status, due_date);

CREATE TABLE loan_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  loan_id     TEXT NOT NULL REFERENCES loans (id),
  from_status TEXT,
  to_status   TEXT NOT NULL,
  actor       TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT '',
  at          TEXT NOT NULL
) STRICT;
CREATE INDEX loan_events_loan ON loan_events (loan_id, id);
