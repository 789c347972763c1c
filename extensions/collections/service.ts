// Read models (portfolio summary, roll rates, collections list) and the write-off, over the collections tables.
import { addDays, decodeCursor, encodeCursor, jakartaDate, problems, type Sql, type TxContext } from "../../src/runtime/index.ts";
import { CollectionsCursor } from "../../schemas/collections.ts";
import type { LoanRow } from "../loans/rows.ts";
import type { CollectionStateRow, WriteOffRow } from "./rows.ts";
import { transitionLoan } from "../loans/state.ts";
import { bucketOf, computeDpd } from "./dpd.ts";
import { rollRates, type RollRateRow, type Transition } from "./portfolio.ts";
import { bookFigures, type BookFigures } from "./outstanding.ts";
import { postWriteOff, receivables } from "./journal.ts";
import { recogniseIncome, reverseUnrecognisedIncome } from "../ledger/income.ts";
import { loadInstalments } from "./sweep-loan.ts";
import { BUCKETS, type Bucket, type OpenLoanStatus } from "../../schemas/enums.ts";

const OPEN = "l.status IN ('active', 'delinquent')";

/**
 * Outstanding by bucket, TWP90 / TKB90 over open loans (./outstanding.ts: the definition the overview, /metrics and the
 * loan view share), DPD as of the last sweep.
 */
export function portfolioSummary(db: Sql): BookFigures & { asOf: string | null } {
  const asOf = db.get<{ d: string | null }>("SELECT MAX(run_date) AS d FROM sweep_runs WHERE status = 'done'")?.d ?? null;
  return { ...bookFigures(db), asOf };
}

/** Roll rates between two snapshot days (default: the latest snapshot and 30 days before it). */
export function rollRateReport(db: Sql, opts: { from?: string; to?: string } = {}): { from: string | null; to: string | null; rows: RollRateRow[] } {
  const to = opts.to ?? db.get<{ d: string | null }>("SELECT MAX(snapshot_date) AS d FROM dpd_snapshots")?.d ?? null;
  if (!to) return { from: null, to: null, rows: rollRates([]) };
  let from = opts.from ?? addDays(to, -30);
  if (!opts.from) {
    // the nearest snapshot day on or after the default start
    from = db.get<{ d: string | null }>("SELECT MIN(snapshot_date) AS d FROM dpd_snapshots WHERE snapshot_date >= ?", from)?.d ?? from;
  }
  const trans = db.all<{ from_bucket: Bucket; to_bucket: Bucket; loans: number; amount: number }>(
    `SELECT a.bucket AS from_bucket, COALESCE(b.bucket, CASE WHEN l.status = 'written_off' THEN 'macet' ELSE NULL END) AS to_bucket,
            COUNT(*) AS loans, COALESCE(SUM(a.outstanding_amount), 0) AS amount
       FROM dpd_snapshots a
       LEFT JOIN dpd_snapshots b ON b.snapshot_date = ? AND b.loan_id = a.loan_id
       LEFT JOIN loans l ON l.id = a.loan_id
      WHERE a.snapshot_date = ?
      GROUP BY 1, 2`,
    to,
    from,
  );
  const t: Transition[] = trans.filter((r) => r.to_bucket).map((r) => ({ from: r.from_bucket, to: r.to_bucket, loans: r.loans, outstandingAmount: r.amount }));
  return { from, to, rows: rollRates(t) };
}

export interface CollectionsFilter {
  bucket?: Bucket;
  status?: OpenLoanStatus;
  minDpd?: number;
  maxDpd?: number;
  limit: number;
  cursor?: string;
}

export interface CollectionItem {
  loanId: string;
  userId: string;
  status: string;
  dpd: number;
  bucket: Bucket;
  outstandingAmount: number;
  overdueAmount: number;
  lateFeeOutstandingAmount: number;
  phone: string | null;
  vaNumber: string | null;
  lastReminderDate: string | null;
  lastSweepDate: string;
}


/** Open loans by DPD (highest first), filtered; cursor pagination. */
export function listCollections(db: Sql, f: CollectionsFilter): { items: CollectionItem[]; nextCursor: string | null } {
  const where = [OPEN];
  const args: (string | number)[] = [];
  if (f.bucket) (where.push("s.bucket = ?"), args.push(f.bucket));
  if (f.status) (where.push("l.status = ?"), args.push(f.status));
  if (f.minDpd !== undefined) (where.push("s.dpd >= ?"), args.push(f.minDpd));
  if (f.maxDpd !== undefined) (where.push("s.dpd <= ?"), args.push(f.maxDpd));
  const cursor = decodeCursor(f.cursor, CollectionsCursor);
  if (cursor) {
    const [d, id] = cursor;
    where.push("(s.dpd < ? OR (s.dpd = ? AND s.loan_id > ?))");
    args.push(d, d, id);
  }
  const rows = db.all<
    Pick<CollectionStateRow, "loan_id" | "dpd" | "bucket" | "outstanding_amount" | "overdue_amount" | "late_fee_outstanding" | "last_sweep_date"> &
      Pick<LoanRow, "user_id" | "status"> & { phone: string | null; va_number: string | null; last_reminder: string | null }
  >(
    `SELECT s.loan_id, l.user_id, l.status, s.dpd, s.bucket, s.outstanding_amount, s.overdue_amount, s.late_fee_outstanding,
            s.last_sweep_date, u.phone, va.va_number,
            (SELECT MAX(reminder_date) FROM collection_reminders r WHERE r.loan_id = s.loan_id) AS last_reminder
       FROM collection_state s JOIN loans l ON l.id = s.loan_id
       LEFT JOIN users u ON u.id = l.user_id LEFT JOIN virtual_accounts va ON va.loan_id = l.id
      WHERE ${where.join(" AND ")} ORDER BY s.dpd DESC, s.loan_id LIMIT ?`,
    ...args,
    f.limit + 1,
  );
  const more = rows.length > f.limit;
  const items: CollectionItem[] = rows.slice(0, f.limit).map((r) => ({
    loanId: r.loan_id,
    userId: r.user_id,
    status: r.status,
    dpd: r.dpd,
    bucket: r.bucket,
    outstandingAmount: r.outstanding_amount,
    overdueAmount: r.overdue_amount,
    lateFeeOutstandingAmount: r.late_fee_outstanding,
    phone: r.phone ?? null,
    vaNumber: r.va_number ?? null,
    lastReminderDate: r.last_reminder ?? null,
    lastSweepDate: r.last_sweep_date,
  }));
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor([last.dpd, last.loanId]) : null };
}

export function writeOffDpd(db: Sql): number {
  return db.get<{ value: number }>("SELECT value FROM collections_settings WHERE key = 'write_off_dpd'")?.value ?? 180;
}

export function setWriteOffDpd(t: Sql, dpd: number) {
  t.run("INSERT INTO collections_settings (key, value) VALUES ('write_off_dpd', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", dpd);
}

export interface WriteOffResult {
  loanId: string;
  dpd: number;
  principalAmount: number;
  interestAmount: number;
  feeAmount: number;
  lateFeeAmount: number;
  totalAmount: number;
  journalId: number | null;
  actor: string;
  reason: string;
  createdAt: string;
}

function writeOffOut(r: WriteOffRow): WriteOffResult {
  return {
    loanId: r.loan_id,
    dpd: r.dpd,
    principalAmount: r.principal_amount,
    interestAmount: r.interest_amount,
    feeAmount: r.fee_amount,
    lateFeeAmount: r.late_fee_amount,
    totalAmount: r.total_amount,
    journalId: r.journal_id,
    actor: r.actor,
    reason: r.reason,
    createdAt: r.created_at,
  };
}

/**
 * Write a loan off: it must be delinquent with DPD ≥ the configured threshold (default 180). The interest and fees
 * of instalments not yet due are reversed (never earned); every receivable the ledger still carries for the loan
 * then moves to write-off expense, in the same transaction as the status change.
 * Writing off an already written-off loan returns the first result (created: false).
 */
export function writeOffLoan(t: TxContext, input: { loanId: string; actor: string; reason: string; now: Date }): { created: boolean; writeOff: WriteOffResult } {
  const done = t.get<WriteOffRow>("SELECT * FROM write_offs WHERE loan_id = ?", input.loanId);
  if (done) return { created: false, writeOff: writeOffOut(done) };
  const loan = t.get<{ id: string; status: string }>("SELECT id, status FROM loans WHERE id = ?", input.loanId);
  if (!loan) throw problems.notFound("Loan");
  const today = jakartaDate(input.now);
  const dpd = computeDpd(loadInstalments(t, [loan.id]).get(loan.id) ?? [], today);
  const threshold = writeOffDpd(t);
  if (dpd < threshold) throw problems.conflict(`Loan is ${dpd} days past due; write-off needs at least ${threshold}`, { dpd, writeOffDpd: threshold });
  if (loan.status !== "delinquent") throw problems.conflict(`Only a delinquent loan can be written off (status: ${loan.status})`, { status: loan.status });
  const at = input.now.toISOString();
  // Instalments due by today are earned (as the sweep would have recognised them); the interest and fees of the
  // rest were never earned: reverse them against the receivables instead of expensing them.
  recogniseIncome(t, loan.id, today, at);
  reverseUnrecognisedIncome(t, loan.id, at);
  const amounts = receivables(t, loan.id);
  const journalId = postWriteOff(t, loan.id, amounts, at);
  transitionLoan(t, { loanId: loan.id, to: "written_off", actor: input.actor, reason: input.reason, at: input.now });
  t.run(
    `INSERT INTO write_offs (loan_id, dpd, principal_amount, interest_amount, fee_amount, late_fee_amount, total_amount, journal_id, actor, reason, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    loan.id,
    dpd,
    amounts.principal,
    amounts.interest,
    amounts.fee,
    amounts.lateFee,
    amounts.total,
    journalId,
    input.actor,
    input.reason,
    at,
  );
  t.run("UPDATE collection_state SET status = 'written_off', dpd = ?, bucket = ?, updated_at = ? WHERE loan_id = ?", dpd, bucketOf(dpd), at, loan.id);
  return { created: true, writeOff: writeOffOut(t.get<WriteOffRow>("SELECT * FROM write_offs WHERE loan_id = ?", loan.id)!) };
}

export { BUCKETS };
