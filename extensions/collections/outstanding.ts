// The one definition of "outstanding" and TWP90, used by the dashboard overview, the portfolio API, /metrics and a
// loan's own outstandingAmount (GET /api/v1/loans/{id}):
//   outstanding = scheduled principal + interest + fees not yet paid; late fees are reported apart, never in it.
//   TWP90 = outstanding of open loans more than 90 days past due ÷ outstanding of all open loans.
// Open loans are `active` and `delinquent` ones; a loan's DPD is the one the delinquency sweep last wrote to it.
import type { Sql } from "../../src/runtime/index.ts";
import { BUCKETS, type Bucket } from "../../schemas/enums.ts";
import { loanOutstanding } from "../loans/rows.ts";
import { bucketOf } from "./dpd.ts";
import { fromBuckets, type BucketFigure, type PortfolioSummary } from "./portfolio.ts";

/** A loan's figures under that definition: `amount` (principal + interest + fees unpaid), its principal part, and late fees apart. */
export { loanOutstanding };

/** The loans the book counts. */
export const OPEN_LOAN_STATUSES = ["active", "delinquent"] as const;

/** SQL for one instalment's unpaid scheduled amount (alias `i`), the same sum as loans/rows.ts scheduledRemaining. */
const SCHEDULED_REMAINING = "MAX(0, i.principal_due - i.principal_paid) + MAX(0, i.interest_due - i.interest_paid) + MAX(0, i.fee_due - i.fee_paid)";
const LATE_FEE_REMAINING = "MAX(0, i.late_fee_due - i.late_fee_paid)";

export interface BookFigures extends PortfolioSummary {
  /** Late fees charged and unpaid on open loans (not part of any outstanding figure). */
  lateFeeOutstandingAmount: number;
}

/** Outstanding of the open book by DPD bucket, TWP90 / TKB90 and late fees apart, from the instalments as they are now. */
export function bookFigures(db: Sql): BookFigures {
  const rows = db.all<{ dpd: number | null; amount: number | null; late: number | null }>(
    `SELECT l.dpd AS dpd,
            (SELECT SUM(${SCHEDULED_REMAINING}) FROM installments i WHERE i.loan_id = l.id) AS amount,
            (SELECT SUM(${LATE_FEE_REMAINING}) FROM installments i WHERE i.loan_id = l.id) AS late
       FROM loans l WHERE l.status IN ('active', 'delinquent')`,
  );
  const by = new Map<Bucket, BucketFigure>(BUCKETS.map((b) => [b, { bucket: b, loans: 0, outstandingAmount: 0 }]));
  let over90 = 0;
  let late = 0;
  for (const r of rows) {
    const dpd = r.dpd ?? 0;
    const amount = r.amount ?? 0;
    const f = by.get(bucketOf(dpd))!;
    f.loans++;
    f.outstandingAmount += amount;
    if (dpd > 90) over90 += amount;
    late += r.late ?? 0;
  }
  return { ...fromBuckets([...by.values()], over90, rows.length), lateFeeOutstandingAmount: late };
}
