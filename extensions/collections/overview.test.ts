// The overview's loans part: disbursed money, outstanding of the open book by DPD bucket, TWP90.
import { describe, expect, test } from "bun:test";
import { Db } from "../../src/db/database.ts";
import { portfolioOverview } from "./overview.ts";
import { BUCKETS, BUCKET_LABELS } from "../../schemas/enums.ts";

describe("overview: loans", () => {
  test("disbursed, outstanding (late fees apart), DPD buckets and TWP90", () => {
    const m = new Db(":memory:");
    m.writer.exec(`CREATE TABLE loans (id TEXT, status TEXT, dpd INTEGER, disbursed_amount INTEGER, disbursed_at TEXT);
      CREATE TABLE installments (loan_id TEXT, principal_due INT, principal_paid INT, interest_due INT, interest_paid INT, fee_due INT, fee_paid INT, late_fee_due INT, late_fee_paid INT);
      INSERT INTO loans VALUES ('l1','active',0,1000,'2026-01-30'),('l2','delinquent',95,2000,'2026-01-01');
      INSERT INTO installments VALUES ('l1',500,0,50,0,0,0,0,0),('l2',2000,0,200,0,0,0,10,0);`);
    const o = portfolioOverview.compute(m.writer, { now: new Date("2026-01-31T12:00:00Z"), days: 3, since: "2026-01-29" }) as any;
    expect(o).toMatchObject({ disbursedAmount: 3000, disbursedLoans: 2, outstandingAmount: 2750, lateFeeOutstandingAmount: 10, activeLoans: 2 });
    // outstanding is principal + interest + fees; l2's late fee of 10 is reported apart, in neither side of TWP90
    expect(o.twp90).toBe(0.8);
    // the buckets of collections (dpd.ts), in order, with their labels
    expect(o.buckets.map((b: any) => [b.key, b.label])).toEqual(BUCKETS.map((k) => [k, BUCKET_LABELS[k]]));
    expect(o.buckets.find((b: any) => b.key === "macet")).toMatchObject({ loans: 1, outstandingAmount: 2200 });
    expect(o.buckets.find((b: any) => b.key === "lancar")).toMatchObject({ loans: 1, outstandingAmount: 550 });
    m.close();
  });
});
