// Reconciliation validates each gateway row (needs_attention once for a bad one) and goes on after it.
import { describe, expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { jobContextOf } from "../../src/runtime/context.ts";
import { loadInstalments } from "./loan-balance.ts";
import { totalOutstanding } from "./allocation.ts";
import { GATEWAY_PORT } from "./gateway.ts";
import { reconcilePaymentsJob as reconcileJob } from "../../jobs/reconcile-payments.ts";
import { checkLedger } from "../ledger/ledger.ts";
import { activate } from "./fixtures/active-loan.ts";

describe("reconciliation validates each gateway row and goes on after a bad one", () => {
  test("invalid rows → needs_attention (once), valid rows applied", async () => {
    await using t = testApp();
    {
      const loan = t.db.tx((c) => seedLoan(c));
      activate(t, loan.loanId, "8808400");
      const paidAt = t.clock.now().toISOString();
      const rows: unknown[] = [
        { paymentId: "r-frac", vaNumber: "8808400", amount: 110_000.5, currency: "IDR", paidAt },
        { paymentId: "r-str", vaNumber: "8808400", amount: "abc", currency: "IDR", paidAt },
        { paymentId: "r-date", vaNumber: "8808400", amount: 1_000, currency: "IDR", paidAt: "yesterday" },
        null,
        { vaNumber: "8808400", amount: 1_000, currency: "IDR", paidAt },
        { paymentId: "r-ok", vaNumber: "8808400", amount: 110_000, currency: "IDR", paidAt },
      ];
      t.platform.ports.set(GATEWAY_PORT, { provider: "standard", kind: "test", listPayments: async () => rows });
      const ctx = jobContextOf(t.ctx, "job-1", 1, new AbortController().signal);
      const out = await reconcileJob.handler({}, ctx);
      expect(out).toEqual({ seen: 6, applied: 1, needsAttention: 5 });
      const st = t.db.read.all<any>("SELECT provider_payment_id AS id, status, substr(reason, 1, 19) AS reason FROM payments ORDER BY provider_payment_id");
      expect(st).toEqual([
        { id: "r-date", status: "needs_attention", reason: "invalid_gateway_row" },
        { id: "r-frac", status: "needs_attention", reason: "invalid_gateway_row" },
        { id: "r-ok", status: "applied", reason: null },
        { id: "r-str", status: "needs_attention", reason: "invalid_gateway_row" },
      ]);
      // the next run records nothing twice; a corrected row for the same payment id is applied
      rows[0] = { paymentId: "r-frac", vaNumber: "8808400", amount: 110_000, currency: "IDR", paidAt };
      expect(await reconcileJob.handler({}, ctx)).toEqual({ seen: 6, applied: 1, needsAttention: 4 });
      expect(t.db.read.get<any>("SELECT status, amount FROM payments WHERE provider_payment_id = 'r-frac'")).toEqual({ status: "applied", amount: 110_000 });
      expect(totalOutstanding(loadInstalments(t.db.read, loan.loanId))).toBe(5_280_000);
      expect(checkLedger(t.db.read).discrepancies).toEqual([]);
    }
  });
});
