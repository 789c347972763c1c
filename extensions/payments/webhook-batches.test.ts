// Payment webhooks under group commit: deliveries that arrive together are applied in one SQLite transaction, each
// in its own savepoint, and "one effect per event" holds inside a batch exactly as across batches — the same event
// twice, a conflicting re-send, a delivery whose effect fails in the middle (rolled back alone, answered 500, the
// others applied), the ledger balanced afterwards. The process killed mid-batch is src/db/group-commit.test.ts (the
// mechanism) and scripts/crash-test.ts (kill -9 during webhook bursts against the binary).
import { beforeEach, describe, expect, test } from "bun:test";
import { appPerTest, freshIp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { groupCommitOf, type BatchInfo } from "../../src/db/group-commit.ts";
import { webhookSecrets } from "./webhooks.ts";
import { paymentPayload, signedWebhook } from "./sandbox.ts";
import { activate } from "./fixtures/active-loan.ts";
import { checkLedger } from "../ledger/ledger.ts";

const t = appPerTest();
let batches: BatchInfo[];
beforeEach(() => {
  // a window long enough that deliveries started together always land in one transaction, however slow the machine
  const g = groupCommitOf(t.db);
  g.windowMs = 200;
  batches = [];
  g.onBatch((b) => batches.push(b));
});

function loan(va: string) {
  const l = t.db.tx((c) => seedLoan(c));
  activate(t, l.loanId, va);
  return l.loanId;
}

const delivery = (eventId: string, n: { paymentId: string; vaNumber: string; amount: number }) => {
  const w = signedWebhook("standard", webhookSecrets(t.platform, "standard")[0], "payment", paymentPayload("standard", { currency: "IDR", paidAt: t.clock.now().toISOString(), ...n }), { eventId, now: t.clock.now() });
  return async () => {
    const r = await t.request(w.path, { method: "POST", headers: { ...w.headers, "X-Forwarded-For": freshIp() }, body: w.body });
    return { status: r.status, duplicate: r.headers.get("Webhook-Duplicate"), body: (await r.json()) as any };
  };
};
/** Start every delivery at once (one batch) and wait for every answer. */
const together = (...ds: Array<() => Promise<{ status: number; duplicate: string | null; body: any }>>) => Promise.all(ds.map((d) => d()));

const count = (sql: string, ...p: string[]) => t.db.read.get<{ n: number }>(sql, ...p)!.n;
const outstanding = (loanId: string) =>
  t.db.read.get<{ o: number }>("SELECT SUM(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid) AS o FROM installments WHERE loan_id = ?", loanId)!.o;
const paymentJournals = (loanId: string) => count("SELECT COUNT(*) AS n FROM ledger_journals WHERE kind = 'payment' AND loan_id = ?", loanId);

describe("payment webhooks applied in batches", () => {
  test("deliveries that arrive together share one transaction; the same event twice in it is applied once", async () => {
    const a = loan("8808700001");
    const first = delivery("msg_batch_1", { paymentId: "pb-1", vaNumber: "8808700001", amount: 110_000 });
    const second = delivery("msg_batch_2", { paymentId: "pb-2", vaNumber: "8808700001", amount: 50_000 });
    const [r1, r2, r1again] = await together(first, second, first);
    expect(batches.map((b) => b.size)).toEqual([3]);
    expect([r1.status, r2.status, r1again.status]).toEqual([200, 200, 200]);
    expect(r1.body).toMatchObject({ status: "applied", result: { providerPaymentId: "pb-1", outstandingAmount: 5_500_000 - 110_000 } });
    // the second sees the first's allocation (same transaction, later savepoint)
    expect(r2.body).toMatchObject({ status: "applied", result: { providerPaymentId: "pb-2", outstandingAmount: 5_500_000 - 160_000 } });
    expect(r1again.duplicate).toBe("true");
    expect(r1again.body).toEqual(r1.body);
    expect(r1.duplicate).toBeNull();
    expect(count("SELECT COUNT(*) AS n FROM payments WHERE loan_id = ?", a)).toBe(2);
    expect(paymentJournals(a)).toBe(2);
    expect(outstanding(a)).toBe(5_500_000 - 160_000);
    expect(count("SELECT attempts AS n FROM webhook_events WHERE event_id = ?", "msg_batch_1")).toBe(2);
    // and again in a later batch: still once
    const [late] = await together(first);
    expect(late.duplicate).toBe("true");
    expect(paymentJournals(a)).toBe(2);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });

  test("a conflicting re-send in the same batch is recorded as a conflict and moves no money", async () => {
    const a = loan("8808700002");
    const original = delivery("msg_conflict_1", { paymentId: "pc-1", vaNumber: "8808700002", amount: 110_000 });
    const resend = delivery("msg_conflict_1", { paymentId: "pc-1", vaNumber: "8808700002", amount: 990_000 });
    const [r1, r2] = await together(original, resend);
    expect(batches.map((b) => b.size)).toEqual([2]);
    expect(r1.body).toMatchObject({ status: "applied", result: { amount: 110_000 } });
    expect(r2.status).toBe(200);
    expect(r2.body).toMatchObject({ status: "needs_attention", result: { reason: "conflicting_resend", amount: 990_000, conflict: { amount: 110_000, differs: ["amount"] } } });
    expect(count("SELECT COUNT(*) AS n FROM payments WHERE provider_payment_id = 'pc-1' AND conflict_of IS NOT NULL")).toBe(1);
    expect(paymentJournals(a)).toBe(1);
    expect(outstanding(a)).toBe(5_500_000 - 110_000);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });

  test("a delivery whose effect fails in the middle of a batch is rolled back alone and answered 500; the rest apply", async () => {
    const a = loan("8808700003");
    const b = loan("8808700004");
    // the ledger refuses loan b's journals (a failure in the middle of the effect, after the event row and the reads)
    t.db.tx((c) => c.exec(`CREATE TRIGGER refuse_b BEFORE INSERT ON ledger_journals WHEN NEW.loan_id = '${b}' BEGIN SELECT RAISE(ABORT, 'journal refused'); END`));
    const before = outstanding(b);
    const [r1, bad, r3] = await together(
      delivery("msg_mid_1", { paymentId: "pm-1", vaNumber: "8808700003", amount: 110_000 }),
      delivery("msg_mid_2", { paymentId: "pm-2", vaNumber: "8808700004", amount: 110_000 }),
      delivery("msg_mid_3", { paymentId: "pm-3", vaNumber: "8808700003", amount: 110_000 }),
    );
    expect(batches[0]).toMatchObject({ size: 3, failed: 1, fallback: false });
    expect([r1.status, bad.status, r3.status]).toEqual([200, 500, 200]);
    expect(bad.body).toMatchObject({ status: 500 });
    expect(r3.body).toMatchObject({ status: "applied", result: { outstandingAmount: 5_500_000 - 220_000 } });
    // nothing of the failed one: no payment, no journal, the instalments as they were; its event kept as failed (replayable)
    expect(count("SELECT COUNT(*) AS n FROM payments WHERE provider_payment_id = 'pm-2'")).toBe(0);
    expect(paymentJournals(b)).toBe(0);
    expect(outstanding(b)).toBe(before);
    expect(t.db.read.get<any>("SELECT status, verified, length(body) > 0 AS kept FROM webhook_events WHERE event_id = 'msg_mid_2'")).toEqual({ status: "failed", verified: 1, kept: 1 });
    expect(count("SELECT COUNT(*) AS n FROM payments WHERE loan_id = ? AND status = 'applied'", a)).toBe(2);
    expect(paymentJournals(a)).toBe(2);
    expect(t.db.read.get<any>("SELECT failure_reason FROM webhook_events WHERE event_id = 'msg_mid_2'").failure_reason).toContain("journal refused");
    // once the ledger takes it again, the gateway's retries (twice in one batch) apply it exactly once
    t.db.tx((c) => c.exec("DROP TRIGGER refuse_b"));
    const retry = delivery("msg_mid_2", { paymentId: "pm-2", vaNumber: "8808700004", amount: 110_000 });
    const [again, dup] = await together(retry, retry);
    expect(again.body).toMatchObject({ status: "applied" });
    expect(dup.duplicate).toBe("true");
    expect(paymentJournals(b)).toBe(1);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });

  test("each event row is written once, with its outcome, under the id its payment points at — also past deleted rows and failed effects", async () => {
    const a = loan("8808700005");
    // the log's newest rows deleted (an admin pruning it): AUTOINCREMENT never hands their ids out again
    const pruned = t.db.tx((c) => {
      for (let i = 0; i < 3; i++) c.run("INSERT INTO webhook_events (provider, kind, event_id, verified, status, headers, body, received_at, updated_at) VALUES ('standard', 'payment', NULL, 0, 'rejected', '{}', '', '', '')");
      const top = c.get<{ id: number }>("SELECT MAX(id) AS id FROM webhook_events")!.id;
      c.run("DELETE FROM webhook_events WHERE id > ?", top - 2);
      return top;
    });
    // the middle one's effect fails (its savepoint, reservation included, rolled back); the others apply
    t.db.tx((c) => c.exec("CREATE TRIGGER refuse_once BEFORE INSERT ON ledger_journals WHEN NEW.memo LIKE '%pw-2%' BEGIN SELECT RAISE(ABORT, 'journal refused'); END"));
    const [r1, bad, r3] = await together(
      delivery("msg_once_1", { paymentId: "pw-1", vaNumber: "8808700005", amount: 110_000 }),
      delivery("msg_once_2", { paymentId: "pw-2", vaNumber: "8808700005", amount: 110_000 }),
      delivery("msg_once_3", { paymentId: "pw-3", vaNumber: "8808700005", amount: 110_000 }),
    );
    t.db.tx((c) => c.exec("DROP TRIGGER refuse_once"));
    expect([r1.status, bad.status, r3.status]).toEqual([200, 500, 200]);
    const rows = t.db.read.all<any>(
      "SELECT e.id, e.event_id, e.status, e.attempts, e.result, p.webhook_event_id AS paymentEvent, p.allocation FROM webhook_events e LEFT JOIN payments p ON p.webhook_event_id = e.id WHERE e.event_id LIKE 'msg_once_%' ORDER BY e.id",
    );
    // ids past every id ever used, in commit order: 1 and 3 in the batch, then 2 recorded as failed after it
    expect(rows.map((r) => [r.event_id, r.id - pruned, r.status, r.attempts])).toEqual([
      ["msg_once_1", 1, "applied", 1],
      ["msg_once_3", 2, "applied", 1],
      ["msg_once_2", 3, "failed", 1],
    ]);
    for (const r of rows.slice(0, 2)) {
      expect(r.paymentEvent).toBe(r.id);
      expect(JSON.parse(r.result)).toEqual(JSON.parse(r.allocation));
    }
    expect(r1.body.result).toEqual(JSON.parse(rows[0].result));
    // the failed one's replay writes its outcome over the same row, once
    const [again] = await together(delivery("msg_once_2", { paymentId: "pw-2", vaNumber: "8808700005", amount: 110_000 }));
    expect(again.body).toMatchObject({ status: "applied" });
    expect(t.db.read.get<any>("SELECT e.id, e.status, e.attempts, p.webhook_event_id AS paymentEvent FROM webhook_events e JOIN payments p ON p.webhook_event_id = e.id WHERE e.event_id = 'msg_once_2'")).toEqual({
      id: rows[2].id,
      status: "applied",
      attempts: 2,
      paymentEvent: rows[2].id,
    });
    expect(paymentJournals(a)).toBe(3);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });
});
