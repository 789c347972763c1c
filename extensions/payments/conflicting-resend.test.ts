// A gateway that reports a payment it already reported (same provider payment id) with other facts — another
// amount, VA or currency — is contradicting itself: that report becomes its own needs_attention payment pointing at
// the original (both amounts recorded, visible in the finance list and resolvable there), and moves no money. An
// identical re-send stays a duplicate answering the first result. Every provider: standard and snap dedupe deliveries
// on their message id, xendit on the payment id itself (so its contradicting re-send arrives under the same event id).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { MIGRATIONS } from "../../src/db/migrations.ts";
import { appPerTest, freshIp, type TestUser } from "../../test/kit/app.ts";
import { webhookSecrets } from "./webhooks.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { applyDisbursementOutcome } from "./disbursement-outcome.ts";
import { applyPayment } from "./repayments.ts";
import { prepareDisbursement } from "./disbursements.ts";
import { resolvePayment } from "./suspense.ts";
import { signedWebhook, paymentPayload } from "./sandbox.ts";
import type { Provider } from "./verify.ts";
import { checkLedger } from "../ledger/ledger.ts";

const SNAP_SECRET = "snap-secret-conflict-0123456789";
const XENDIT_TOKEN = "xendit-token-conflict-0123456789";

beforeAll(() => {
  process.env.KREDITKU_WEBHOOK_SECRET_SNAP = SNAP_SECRET;
  process.env.KREDITKU_WEBHOOK_SECRET_XENDIT = XENDIT_TOKEN;
});
afterAll(() => {
  delete process.env.KREDITKU_WEBHOOK_SECRET_SNAP;
  delete process.env.KREDITKU_WEBHOOK_SECRET_XENDIT;
});
// every test on its own depot, with a finance user
const t = appPerTest();
const tx: typeof t.tx = (fn) => t.tx(fn);
let finance: TestUser;
beforeEach(() => {
  finance = t.staff("finance");
});

/** An active reference loan (5,500,000 to repay) with a VA of the provider. */
function activeLoan(provider: Provider, va: string) {
  const loan = t.db.tx((c) => seedLoan(c));
  const prep = tx((x) => prepareDisbursement(x, loan.loanId, t.clock.now()));
  if (prep.action !== "send") throw new Error(prep.reason);
  t.db.tx((c) => c.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, created_at) VALUES (?, ?, ?, 'BNI', '')", va, loan.loanId, provider));
  tx((x) => applyDisbursementOutcome(x, { reference: prep.request.reference, status: "succeeded", amount: prep.request.amount, completedAt: t.clock.now().toISOString() }, t.clock.now()));
  return loan.loanId;
}

const secretOf = (p: Provider) => (p === "standard" ? webhookSecrets(t.platform, "standard")[0] : p === "snap" ? SNAP_SECRET : XENDIT_TOKEN);

async function deliver(provider: Provider, eventId: string, n: { paymentId: string; vaNumber: string; amount: number; currency?: string }) {
  const payload = paymentPayload(provider, { currency: "IDR", paidAt: t.clock.now().toISOString(), ...n });
  const w = signedWebhook(provider, secretOf(provider), "payment", payload, { eventId, now: t.clock.now() });
  const r = await t.request(w.path, { method: "POST", headers: { ...w.headers, "X-Forwarded-For": freshIp() }, body: w.body });
  return { status: r.status, body: (await r.json()) as any };
}

const outstanding = (loanId: string) =>
  t.db.read.get<{ o: number }>("SELECT SUM(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid) AS o FROM installments WHERE loan_id = ?", loanId)!.o;
const rowsOf = (pid: string) =>
  t.db.read.all<any>("SELECT id, amount, va_number, status, reason, conflict_of, unapplied_amount FROM payments WHERE provider_payment_id = ? ORDER BY created_at, conflict_of IS NOT NULL, id", pid);
const journals = () => t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n;

describe("a payment re-sent with other facts", () => {
  for (const [i, provider] of (["standard", "snap", "xendit"] as const).entries()) {
    test(`${provider}: a different amount (330,000 instead of 110,000) becomes needs_attention with both amounts, no money moved; an identical re-send stays a duplicate`, async () => {
      const va = `880870000${i}`;
      const pid = `${provider}-resent-1`;
      const loanId = activeLoan(provider, va);
      const first = await deliver(provider, `${provider}-ev-1`, { paymentId: pid, vaNumber: va, amount: 110_000 });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: "applied", result: { status: "applied", amount: 110_000, loanStatus: "active", outstandingAmount: 5_390_000 } });
      const original = first.body.result.paymentId;
      const books = journals();

      // identical re-send (a new delivery id where the provider has one): the first result, nothing new
      const same = await deliver(provider, `${provider}-ev-2`, { paymentId: pid, vaNumber: va, amount: 110_000 });
      expect(same.status).toBe(200);
      expect(same.body.status).toBe("applied");
      expect(same.body.result).toEqual(first.body.result);

      // contradicting re-send
      const other = await deliver(provider, `${provider}-ev-3`, { paymentId: pid, vaNumber: va, amount: 330_000 });
      expect(other.status).toBe(200);
      expect(other.body.status).toBe("needs_attention");
      expect(other.body.result).toMatchObject({
        status: "needs_attention",
        reason: "conflicting_resend",
        providerPaymentId: pid,
        amount: 330_000,
        loanId,
        conflict: { paymentId: original, amount: 110_000, vaNumber: va, status: "applied", differs: ["amount"], reported: { amount: 330_000, vaNumber: va, currency: "IDR" } },
      });
      expect(other.body.result.paymentId).not.toBe(original);
      expect(outstanding(loanId)).toBe(5_390_000);
      expect(journals()).toBe(books);
      expect(rowsOf(pid)).toEqual([
        { id: original, amount: 110_000, va_number: va, status: "applied", reason: null, conflict_of: null, unapplied_amount: 0 },
        { id: other.body.result.paymentId, amount: 330_000, va_number: va, status: "needs_attention", reason: "conflicting_resend", conflict_of: original, unapplied_amount: 0 },
      ]);

      // the same contradiction again: recorded once, same answer
      const again = await deliver(provider, `${provider}-ev-4`, { paymentId: pid, vaNumber: va, amount: 330_000 });
      expect(again.body.status).toBe("needs_attention");
      expect(again.body.result.paymentId).toBe(other.body.result.paymentId);
      expect(rowsOf(pid).length).toBe(2);
      // and the identical report still answers the first result
      expect((await deliver(provider, `${provider}-ev-5`, { paymentId: pid, vaNumber: va, amount: 110_000 })).body.result).toEqual(first.body.result);
      expect(outstanding(loanId)).toBe(5_390_000);
      expect(checkLedger(t.db.read).discrepancies).toEqual([]);
    });
  }

  test("a message id reused for another payment is a contradiction of the first, not a duplicate and not a new receipt", async () => {
    const va = "8808700012";
    const loanId = activeLoan("standard", va);
    const first = await deliver("standard", "reused-ev", { paymentId: "reuse-a", vaNumber: va, amount: 110_000 });
    expect(first.body.status).toBe("applied");
    const other = await deliver("standard", "reused-ev", { paymentId: "reuse-b", vaNumber: va, amount: 110_000 });
    expect(other.body).toMatchObject({ status: "needs_attention", result: { reason: "conflicting_resend", providerPaymentId: "reuse-b", conflict: { paymentId: first.body.result.paymentId, differs: ["paymentId"] } } });
    expect(outstanding(loanId)).toBe(5_390_000);
    // the same body again under that id: the same record; the real delivery of reuse-b under its own id is applied
    expect((await deliver("standard", "reused-ev", { paymentId: "reuse-b", vaNumber: va, amount: 110_000 })).body.result.paymentId).toBe(other.body.result.paymentId);
    expect((await deliver("standard", "reuse-b-ev", { paymentId: "reuse-b", vaNumber: va, amount: 110_000 })).body).toMatchObject({ status: "applied", result: { outstandingAmount: 5_280_000 } });
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });

  test("finance sees the contradicting report with both amounts among the needs_attention payments, and resolves it", async () => {
    const va = "8808700009";
    const loanId = activeLoan("standard", va);
    await deliver("standard", "fin-ev-1", { paymentId: "fin-resent", vaNumber: va, amount: 110_000 });
    const c = await deliver("standard", "fin-ev-2", { paymentId: "fin-resent", vaNumber: va, amount: 330_000 });
    const conflictId = c.body.result.paymentId;
    const list = await t.get(`/api/v1/admin/payments?status=needs_attention&loanId=${loanId}`, { as: finance });
    expect(list.status).toBe(200);
    const items = ((await list.json()) as any).items;
    expect(items).toEqual([
      expect.objectContaining({
        id: conflictId,
        providerPaymentId: "fin-resent",
        amount: 330_000,
        status: "needs_attention",
        reason: "conflicting_resend",
        unappliedAmount: 0,
        conflictOf: c.body.result.conflict.paymentId,
        conflict: expect.objectContaining({ amount: 110_000, differs: ["amount"] }),
      }),
    ]);
    // the gateway confirms only 110,000 arrived: finance closes it with nothing to pay back (nothing was posted)
    const books = journals();
    const r = await t.post(`/api/v1/admin/payments/${conflictId}/resolve`, { refund: true, transferReference: "NONE-RECEIVED" }, { as: finance, headers: { "Idempotency-Key": crypto.randomUUID() } });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ paymentId: conflictId, status: "applied", reason: "refunded", resolution: "refund:NONE-RECEIVED" });
    expect(journals()).toBe(books);
    expect(outstanding(loanId)).toBe(5_390_000);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });

  test("reconciliation and other facts: another VA, or a foreign currency, is a contradiction too; a foreign one can only be refunded", () => {
    const va = "8808700010";
    const elsewhere = "8808700011";
    const loanId = activeLoan("standard", va);
    activeLoan("standard", elsewhere);
    const notice = (over: Record<string, unknown> = {}) => ({ paymentId: "rec-resent", vaNumber: va, amount: 110_000, currency: "IDR", paidAt: t.clock.now().toISOString(), ...over });
    const apply = (over: Record<string, unknown> = {}, source: "webhook" | "reconcile" = "reconcile") =>
      tx((x) => applyPayment(x, { provider: "standard", notice: notice(over), source, now: t.clock.now() }));
    const first = apply({}, "webhook");
    expect(first).toMatchObject({ status: "applied", duplicate: false });
    expect(apply()).toMatchObject({ status: "applied", paymentId: first.paymentId, duplicate: true });
    const moved = apply({ vaNumber: elsewhere });
    expect(moved).toMatchObject({ status: "needs_attention", reason: "conflicting_resend", duplicate: false, conflict: { paymentId: first.paymentId, differs: ["vaNumber"], vaNumber: va } });
    const usd = apply({ currency: "USD" });
    expect(usd).toMatchObject({ status: "needs_attention", reason: "conflicting_resend", conflict: { differs: ["currency"], reported: { currency: "USD" } } });
    expect(tx((x) => resolvePayment(x, { paymentId: usd.paymentId, loanId, by: "finance-user", now: t.clock.now() }))).toMatchObject({ ok: false, error: "foreign_currency" });
    expect(outstanding(loanId)).toBe(5_390_000);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });
});

describe("migration 0015 on a depot with payments", () => {
  test("keeps every payment as it was; the provider payment id stays unique among payments, not among contradicting reports", () => {
    const db = new Db(":memory:", 1);
    const upTo = MIGRATIONS.findIndex((m) => m.name === "0015_payment_conflicts.sql");
    expect(upTo).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, upTo));
    const at = "2026-03-02T03:00:00.000Z";
    const insert = (c: { run: (sql: string, ...p: any[]) => unknown }, id: string, pid: string, extra = "") =>
      c.run(
        `INSERT INTO payments (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, unapplied_amount, resolution, created_at, updated_at${extra ? ", conflict_of" : ""})
         VALUES (?, 'standard', ?, '8808', 'L1', 110000, ?, 'applied', NULL, '{}', 'webhook', 0, 'r', ?, ?${extra ? ", ?" : ""})`,
        ...[id, pid, at, at, at, ...(extra ? [extra] : [])],
      );
    db.tx((c) => {
      insert(c, "pay_1", "p-1");
      insert(c, "pay_2", "p-2");
    });
    const before = db.read.all("SELECT * FROM payments ORDER BY id");
    migrate(db);
    expect(db.read.all("SELECT id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, webhook_event_id, created_at, updated_at, unapplied_amount, resolution, resolved_by, resolved_at FROM payments ORDER BY id")).toEqual(before);
    expect(() => db.tx((c) => insert(c, "pay_3", "p-1"))).toThrow(/UNIQUE/);
    db.tx((c) => insert(c, "pay_4", "p-1", "pay_1"));
    expect(db.read.get<any>("SELECT COUNT(*) AS n FROM payments WHERE provider_payment_id = 'p-1'").n).toBe(2);
    expect(() => db.tx((c) => insert(c, "pay_5", "p-1", "pay_1"))).toThrow(/UNIQUE/); // the same contradiction twice
    db.close();
  });
});
