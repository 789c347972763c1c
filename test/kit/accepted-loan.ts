// A loan exactly as "accept the offer" leaves it (DESIGN §4): user + profile + application (disbursing),
// loan (disbursing) with its schedule built by extensions/loans/schedule.ts, and the "disburse" outbox job.
// Used by the payments unit tests, the e2e suites (against the binary's depot), the load and crash tests and bench/webhooks.ts.
import { randomUUID } from "node:crypto";
import { buildSchedule } from "../../extensions/loans/schedule.ts";

export interface SqlLike {
  run(sql: string, ...p: any[]): unknown;
}

export interface SeededLoan {
  loanId: string;
  userId: string;
  applicationId: string;
  instalmentAmount: number;
  total: number;
}

/** Reference loan: 5,000,000 at 10 % flat over 50 weekly instalments (2000 ppm/week) = 50 × 110,000. */
export function seedLoan(db: SqlLike, opts: { principal?: number; tenor?: number; ratePpm?: number; startDate?: string; enqueueDisburse?: boolean; upfrontFeePpm?: number } = {}): SeededLoan {
  const now = new Date().toISOString();
  const startDate = opts.startDate ?? now.slice(0, 10);
  const s = buildSchedule({ principal: opts.principal ?? 5_000_000, tenor: opts.tenor ?? 50, tenorUnit: "weeks", method: "flat", ratePpm: opts.ratePpm ?? 2000, upfrontFeePpm: opts.upfrontFeePpm ?? 0 }, startDate, { apr: false });
  const userId = randomUUID();
  const applicationId = randomUUID();
  const loanId = randomUUID();
  const phone = `+62812${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  db.run("INSERT INTO users (id, role, phone, status, created_at, updated_at) VALUES (?, 'borrower', ?, 'active', ?, ?)", userId, phone, now, now);
  db.run(
    `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
       monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone, emergency_relation, emergency_consent, created_at, updated_at)
     VALUES (?, '3171010101900001', 'Budi Santoso', '1990-01-01', 'M', 'Jl. Merdeka 1', 'Jakarta', 'DKI Jakarta', '10110', 'employed',
       10000000, 'BCA', '1234567890', 'BUDI SANTOSO', 'Siti', '+6281299999999', 'spouse', 1, ?, ?)`,
    userId,
    now,
    now,
  );
  db.run(
    `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, loan_id, created_at, updated_at)
     VALUES (?, ?, 'prod_reference_weekly', 'disbursing', ?, ?, 'weeks', 'consumptive', ?, ?, ?, ?)`,
    applicationId,
    userId,
    s.principalAmount,
    opts.tenor ?? 50,
    s.instalmentAmount,
    loanId,
    now,
    now,
  );
  db.run(
    `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount,
       tenor, tenor_unit, interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, created_at, updated_at)
     VALUES (?, ?, ?, 'prod_reference_weekly', 'disbursing', ?, ?, ?, ?, ?, ?, 'weeks', 'flat', ?, 1000, 3, 'consumptive', ?, ?, ?, ?)`,
    loanId,
    applicationId,
    userId,
    s.principalAmount,
    s.interestAmount,
    s.feeAmount,
    s.upfrontFeeAmount,
    s.disbursedAmount,
    opts.tenor ?? 50,
    opts.ratePpm ?? 2000,
    s.startDate,
    s.maturityDate,
    now,
    now,
  );
  // Accepting copies the payout account snapshotted at submission onto the loan (migration 0011); the disbursement
  // pays to it. (A depot from before 0011 has no such column: the disbursement then falls back to the profile.)
  const payout = JSON.stringify({ bankCode: "BCA", accountNumber: "1234567890", accountName: "BUDI SANTOSO" });
  try {
    db.run("UPDATE applications SET payout_account_json = ? WHERE id = ?", payout, applicationId);
    db.run("UPDATE loans SET payout_account_json = ? WHERE id = ?", payout, loanId);
  } catch {}
  for (const l of s.instalments) {
    db.run(
      "INSERT INTO installments (id, loan_id, seq, due_date, principal_due, interest_due, fee_due) VALUES (?, ?, ?, ?, ?, ?, ?)",
      randomUUID(),
      loanId,
      l.seq,
      l.dueDate,
      l.principalAmount,
      l.interestAmount,
      l.feeAmount,
    );
  }
  if (opts.enqueueDisburse) {
    const t = Date.now();
    db.run(
      `INSERT INTO outbox (key, kind, name, queue, payload, max_attempts, run_at, created_at, updated_at) VALUES (?, 'job', 'disburse', 'owner', ?, 5, ?, ?, ?)`,
      `disburse:${loanId}`,
      JSON.stringify({ loanId }),
      t,
      t,
      t,
    );
  }
  return { loanId, userId, applicationId, instalmentAmount: s.instalmentAmount, total: s.totalRepaymentAmount };
}
