// The dashboard overview's `loans` part: money disbursed (all time), and the open book's outstanding by DPD bucket
// (the buckets of ./dpd.ts) and TWP90 under the one definition of ./outstanding.ts (principal + interest + fees;
// late fees apart), the same figures as the portfolio API and /metrics.
import type { OverviewPart } from "../../src/runtime/index.ts";
import { BUCKET_LABELS } from "../../schemas/enums.ts";
import { bookFigures } from "./outstanding.ts";

export const portfolioOverview: OverviewPart = {
  name: "loans",
  compute(db) {
    const t = db.get<{ disbursed: number | null; n: number }>("SELECT sum(disbursed_amount) AS disbursed, count(*) AS n FROM loans WHERE disbursed_at IS NOT NULL")!;
    const book = bookFigures(db);
    return {
      disbursedAmount: t.disbursed ?? 0,
      disbursedLoans: t.n,
      outstandingAmount: book.totalOutstandingAmount,
      lateFeeOutstandingAmount: book.lateFeeOutstandingAmount,
      activeLoans: book.loans,
      twp90: book.totalOutstandingAmount > 0 ? book.twp90 : null,
      buckets: book.buckets.map((b) => ({ key: b.bucket, label: BUCKET_LABELS[b.bucket], loans: b.loans, outstandingAmount: b.outstandingAmount })),
    };
  },
};
