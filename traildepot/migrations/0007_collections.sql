-- Collections: delinquency state per loan, daily DPD snapshots (roll-rate history), late-fee accruals,
-- reminders, sweep runs and write-offs. loan_id columns are plain TEXT (loans live in 0004). Money is integer rupiah.
-- Late fees are accrued when charged (Dr late_fee_receivable / Cr late_fee_income, accounts of 0005); payments settle them.

CREATE TABLE collections_settings (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT INTO collections_settings (key, value) VALUES ('write_off_dpd', 180);

-- The latest sweep's view of each open loan. last_sweep_date makes the sweep idempotent per day;
-- late_fee_through is the last Asia/Jakarta day late fees were charged for.
CREATE TABLE collection_state (
  loan_id               TEXT PRIMARY KEY,
  dpd                   INTEGER NOT NULL,
  bucket                TEXT NOT NULL CHECK (bucket IN ('lancar', 'dpd_1_30', 'dpd_31_60', 'dpd_61_90', 'macet')),
  status                TEXT NOT NULL,
  outstanding_amount    INTEGER NOT NULL,
  outstanding_principal INTEGER NOT NULL,
  late_fee_outstanding  INTEGER NOT NULL,
  overdue_amount        INTEGER NOT NULL,
  late_fee_through      TEXT,
  last_sweep_date       TEXT NOT NULL,
  updated_at            TEXT NOT NULL
) STRICT;
CREATE INDEX collection_state_bucket ON collection_state (bucket, dpd);
CREATE INDEX collection_state_dpd ON collection_state (dpd DESC, loan_id);

-- One row per open loan per sweep day: DPD history, roll rates between any two days.
CREATE TABLE dpd_snapshots (
  snapshot_date      TEXT NOT NULL,
  loan_id            TEXT NOT NULL,
  dpd                INTEGER NOT NULL,
  bucket             TEXT NOT NULL,
  status             TEXT NOT NULL,
  outstanding_amount INTEGER NOT NULL,
  PRIMARY KEY (snapshot_date, loan_id)
) STRICT, WITHOUT ROWID;

-- Each late-fee charge: per instalment and day; (loan, seq, date) unique so a re-run cannot charge twice.
CREATE TABLE late_fee_accruals (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  loan_id         TEXT NOT NULL,
  installment_seq INTEGER NOT NULL,
  accrual_date    TEXT NOT NULL,
  days            INTEGER NOT NULL CHECK (days > 0),
  overdue_amount  INTEGER NOT NULL,
  rate_ppm        INTEGER NOT NULL,
  amount          INTEGER NOT NULL CHECK (amount > 0),
  capped          INTEGER NOT NULL DEFAULT 0 CHECK (capped IN (0, 1)),
  journal_id      INTEGER,
  created_at      TEXT NOT NULL,
  UNIQUE (loan_id, installment_seq, accrual_date)
) STRICT;
CREATE INDEX late_fee_accruals_date ON late_fee_accruals (accrual_date);

-- Reminders: at most one per loan per Asia/Jakarta day.
CREATE TABLE collection_reminders (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  loan_id         TEXT NOT NULL,
  reminder_date   TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('h-3', 'h-1', 'due', 'overdue')),
  installment_seq INTEGER NOT NULL,
  amount          INTEGER NOT NULL,
  va_number       TEXT,
  phone           TEXT NOT NULL,
  text            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'skipped', 'failed')),
  job_key         TEXT NOT NULL UNIQUE,
  scheduled_for   TEXT NOT NULL,
  sent_at         TEXT,
  detail          TEXT,
  created_at      TEXT NOT NULL,
  UNIQUE (loan_id, reminder_date)
) STRICT;
CREATE INDEX collection_reminders_date ON collection_reminders (reminder_date, status);

-- One sweep per Asia/Jakarta day; checkpoint_loan_id lets a crashed sweep resume after the last committed batch.
CREATE TABLE sweep_runs (
  run_date           TEXT PRIMARY KEY,
  status             TEXT NOT NULL CHECK (status IN ('running', 'done')),
  checkpoint_loan_id TEXT,
  loans_processed    INTEGER NOT NULL DEFAULT 0,
  late_fee_amount    INTEGER NOT NULL DEFAULT 0,
  reminders          INTEGER NOT NULL DEFAULT 0,
  status_changes     INTEGER NOT NULL DEFAULT 0,
  batches            INTEGER NOT NULL DEFAULT 0,
  started_at         TEXT NOT NULL,
  finished_at        TEXT,
  updated_at         TEXT NOT NULL
) STRICT;

CREATE TABLE write_offs (
  loan_id          TEXT PRIMARY KEY,
  dpd              INTEGER NOT NULL,
  principal_amount INTEGER NOT NULL,
  interest_amount  INTEGER NOT NULL,
  fee_amount       INTEGER NOT NULL,
  late_fee_amount  INTEGER NOT NULL,
  total_amount     INTEGER NOT NULL,
  journal_id       INTEGER,
  actor            TEXT NOT NULL,
  reason           TEXT NOT NULL,
  created_at       TEXT NOT NULL
) STRICT;
