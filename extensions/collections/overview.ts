// The dashboard overview's `loans` part: money disbursed, the open book's outstanding by DPD bucket (the buckets
// of ./dpd.ts) and TWP90.
import type { OverviewPart } from "../../src/runtime/index.ts";
import { bucketOf } from "./dpd.ts";
import { BUCKETS, BUCKET_LABELS } from "../../schemas/enums.ts";

export const portfolioOverview: OverviewPart = {
  name: "loans",
  compute(db) {
    const t = db.get<{ disbursed: number | null; n: number }>("SELECT sum(disbursed_amount) AS disbursed, count(*) AS n FROM loans WHERE disbursed_at IS NOT NULL")!;
    const rows = db.all<{ dpd: number; outstanding: number | null }>(
      `SELECT l.dpd AS dpd, (SELECT sum(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid)
         FROM installments i WHERE i.loan_id = l.id) AS outstanding
       FROM loans l WHERE l.status IN ('active', 'delinquent')`,
    );
    const buckets = BUCKETS.map((key) => ({ key, label: BUCKET_LABELS[key], loans: 0, outstandingAmount: 0 }));
    let outstanding = 0;
    let over90 = 0;
    for (const r of rows) {
      const o = r.outstanding ?? 0;
      outstanding += o;
      if (r.dpd > 90) over90 += o;
      const b = buckets[BUCKETS.indexOf(bucketOf(r.dpd))];
      b.loans++;
      b.outstandingAmount += o;
    }
    return { disbursedAmount: t.disbursed ?? 0, disbursedLoans: t.n, outstandingAmount: outstanding, activeLoans: rows.length, twp90: outstanding > 0 ? over90 / outstanding : null, buckets };
  },
};
