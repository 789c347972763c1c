// The xendit gateway adapter (official SDK) against the fake Xendit API (test/kit/fakes/xendit.ts) on a kit app whose
// webhooks are reachable over HTTP: the reference loan from acceptance to paid off, a failed payout retried, callbacks
// that never arrive reconciled (payouts and payments), the SDK's errors surfacing as needs_attention. Each test ends
// with a clean ledger check.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { startXenditFake, type XenditFake } from "../../test/kit/fakes/xendit.ts";
import { jobContextOf } from "../../src/runtime/context.ts";
import { checkLedger } from "../ledger/ledger.ts";
import { disburseJob } from "../../jobs/disburse.ts";
import { issueVirtualAccountJob } from "../../jobs/issue-virtual-account.ts";
import { reconcilePaymentsJob } from "../../jobs/reconcile-payments.ts";
import { reconcileDisbursementsJob } from "../../jobs/reconcile-disbursements.ts";
import { XenditGateway } from "./xendit.ts";
import { GATEWAY_PORT } from "./gateway.ts";

const SECRET_KEY = "xnd_development_" + "s".repeat(40);
const TOKEN = "callback-token-" + "t".repeat(24);

interface Env {
  t: TestApp;
  fake: XenditFake;
  server: ReturnType<typeof Bun.serve>;
}
let open: Env | null = null;
afterEach(async () => {
  if (!open) return;
  await open.fake.stop();
  open.server.stop(true);
  await open.t.close();
  open = null;
});

/** A kit app on the xendit gateway (secrets in depot/secrets), its webhooks served over HTTP for the fake's callbacks. */
function setup(extra: Record<string, string> = {}): Env {
  let app: TestApp | null = null;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => app!.request(new URL(req.url).pathname, { method: req.method, headers: req.headers, body: await req.text() }),
  });
  const fake = startXenditFake({ secretKey: SECRET_KEY, callbackToken: TOKEN, callbackBase: `http://127.0.0.1:${server.port}`, payoutDelayMs: 20 });
  // the gateway as the settings make it: KREDITKU_GATEWAY=xendit, the SDK pointed at the fake, keys in depot/secrets
  const t = testApp({ env: { KREDITKU_GATEWAY: "xendit", KREDITKU_XENDIT_URL: fake.url, KREDITKU_DISBURSE_RETRY_MS: "0", KREDITKU_XENDIT_TIMEOUT_MS: "500", ...extra } });
  app = t;
  const secrets = join(t.depot, "secrets");
  mkdirSync(secrets, { recursive: true });
  writeFileSync(join(secrets, "xendit-secret-key"), SECRET_KEY + "\n", { mode: 0o600 });
  writeFileSync(join(secrets, "webhook-xendit"), TOKEN + "\n", { mode: 0o600 });
  expect(t.ctx.port<XenditGateway>(GATEWAY_PORT)).toBeInstanceOf(XenditGateway);
  open = { t, fake, server };
  return open;
}

const ctxOf = (t: TestApp, attempt = 1) => jobContextOf(t.ctx, `job-${crypto.randomUUID()}`, attempt, new AbortController().signal);
const loanStatus = (t: TestApp, id: string) => t.db.read.get<{ status: string }>("SELECT status FROM loans WHERE id = ?", id)!.status;
const disbursement = (t: TestApp, id: string) => t.db.read.get<{ status: string; attempts: number; failure_reason: string | null; gateway_ref: string | null }>("SELECT status, attempts, failure_reason, gateway_ref FROM disbursements WHERE loan_id = ?", id)!;
const clean = (t: TestApp) => expect(checkLedger(t.db.read).discrepancies).toEqual([]);

async function disburseAndIssueVa(e: Env, loanId: string) {
  await disburseJob.handler({ loanId }, ctxOf(e.t));
  const { vaNumber } = await issueVirtualAccountJob.handler({ loanId }, ctxOf(e.t));
  await e.fake.settle();
  return vaNumber!;
}

describe("xendit gateway adapter against the fake Xendit API", () => {
  test("the reference loan (5,000,000 at 10 % flat, 50 weekly × 110,000) from acceptance to paid off", async () => {
    const e = setup();
    const loan = e.t.db.tx((c) => seedLoan(c));
    const va = await disburseAndIssueVa(e, loan.loanId);
    // the payout went out with our reference as reference_id and idempotency key, to the snapshotted bank account
    const [po] = [...e.fake.payouts.values()];
    expect(po).toMatchObject({ reference_id: `${disbursementId(e.t, loan.loanId)}.1`, amount: 5_000_000, channel_code: "ID_BCA", status: "SUCCEEDED", currency: "IDR" });
    expect(po.idempotency_key).toBe(po.reference_id);
    expect(disbursement(e.t, loan.loanId)).toMatchObject({ status: "succeeded", gateway_ref: po.id });
    expect(loanStatus(e.t, loan.loanId)).toBe("active");
    // one fixed reusable VA per loan: asking again answers the same
    expect(e.fake.methods.size).toBe(1);
    expect((await issueVirtualAccountJob.handler({ loanId: loan.loanId }, ctxOf(e.t))).vaNumber).toBe(va);
    expect(e.fake.methods.size).toBe(1);
    expect([...e.fake.methods.values()][0]).toMatchObject({ type: "VIRTUAL_ACCOUNT", reusability: "MULTIPLE_USE", reference_id: loan.loanId });
    for (let i = 0; i < 50; i++) await e.fake.pay(va, 110_000);
    expect(e.fake.callbacks.filter((c) => c.event === "payment.succeeded").map((c) => c.status)).toEqual(Array(50).fill(200));
    expect(loanStatus(e.t, loan.loanId)).toBe("paid_off");
    expect(e.t.db.read.get<{ n: number; s: number }>("SELECT COUNT(*) AS n, SUM(amount) AS s FROM payments WHERE loan_id = ? AND status = 'applied'", loan.loanId)).toEqual({ n: 50, s: 5_500_000 });
    // a callback delivered again (Xendit retries) changes nothing
    const again = await e.t.request("/webhooks/payments/xendit", {
      method: "POST",
      headers: { "content-type": "application/json", "x-callback-token": TOKEN },
      body: JSON.stringify({ event: "payment.succeeded", business_id: "b", created: new Date().toISOString(), data: { ...(await lastPaymentObject(e)) } }),
    });
    expect(again.status).toBe(200);
    expect(e.t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM payments WHERE loan_id = ?", loan.loanId)!.n).toBe(50);
    clean(e.t);
  }, 60_000);

  test("a payout that fails is retried with a new reference and succeeds", async () => {
    const e = setup();
    const loan = e.t.db.tx((c) => seedLoan(c));
    e.fake.nextPayoutOutcomes.push("FAILED");
    await disburseAndIssueVa(e, loan.loanId);
    expect(disbursement(e.t, loan.loanId)).toMatchObject({ status: "queued", attempts: 1, failure_reason: "INVALID_DESTINATION" });
    expect(loanStatus(e.t, loan.loanId)).toBe("disbursing");
    await disburseJob.handler({ loanId: loan.loanId }, ctxOf(e.t));
    await e.fake.settle();
    expect(disbursement(e.t, loan.loanId)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect([...e.fake.payouts.values()].map((p) => [p.reference_id.split(".")[1], p.status])).toEqual([
      ["1", "FAILED"],
      ["2", "SUCCEEDED"],
    ]);
    expect(loanStatus(e.t, loan.loanId)).toBe("active");
    clean(e.t);
  }, 60_000);

  test("callbacks that never arrive are reconciled: the payout by its reference, the payment by the VA's payments", async () => {
    const e = setup();
    const loan = e.t.db.tx((c) => seedLoan(c));
    e.fake.drop = { payment: true, payout: true };
    const va = await disburseAndIssueVa(e, loan.loanId);
    expect(disbursement(e.t, loan.loanId).status).toBe("pending");
    // too recent: left alone
    expect(await reconcileDisbursementsJob.handler({}, ctxOf(e.t))).toEqual({ seen: 0, settled: 0, failed: 0, stillPending: 0, needsAttention: 0, errors: 0 });
    e.t.clock.advance(16 * 60_000);
    expect(await reconcileDisbursementsJob.handler({}, ctxOf(e.t))).toEqual({ seen: 1, settled: 1, failed: 0, stillPending: 0, needsAttention: 0, errors: 0 });
    expect(disbursement(e.t, loan.loanId).status).toBe("succeeded");
    expect(loanStatus(e.t, loan.loanId)).toBe("active");
    // once: the next run sees nothing, and the late callback is ignored as already settled
    expect((await reconcileDisbursementsJob.handler({}, ctxOf(e.t))).seen).toBe(0);
    e.fake.drop.payout = false;
    const [po] = [...e.fake.payouts.values()];
    await e.fake.settlePayout(po.id, "SUCCEEDED");
    expect(e.fake.callbacks.at(-1)).toMatchObject({ event: "payout.succeeded", status: 200 });
    expect(e.t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE kind = 'disbursement.settled'")!.n).toBe(1);
    // a payment whose callback was lost
    const from = new Date(Date.now() - 60_000).toISOString();
    await e.fake.pay(va, 110_000);
    expect(e.t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM payments")!.n).toBe(0);
    const to = new Date(Date.now() + 60_000).toISOString();
    expect(await reconcilePaymentsJob.handler({ from, to }, ctxOf(e.t))).toEqual({ seen: 1, applied: 1, needsAttention: 0 });
    expect(await reconcilePaymentsJob.handler({ from, to }, ctxOf(e.t))).toEqual({ seen: 1, applied: 0, needsAttention: 0 });
    expect(e.t.db.read.get<{ n: number; s: number }>("SELECT COUNT(*) AS n, SUM(amount) AS s FROM payments WHERE status = 'applied'")).toEqual({ n: 1, s: 110_000 });
    clean(e.t);
  }, 60_000);

  test("a failed payout whose callback never arrives is reconciled onto the failure path: reversed, retried, then settled", async () => {
    const e = setup();
    const loan = e.t.db.tx((c) => seedLoan(c));
    e.fake.drop.payout = true;
    e.fake.nextPayoutOutcomes.push("FAILED", "HOLD");
    await disburseAndIssueVa(e, loan.loanId);
    expect(disbursement(e.t, loan.loanId).status).toBe("pending");
    e.t.clock.advance(16 * 60_000);
    expect(await reconcileDisbursementsJob.handler({}, ctxOf(e.t))).toMatchObject({ seen: 1, settled: 0, failed: 1 });
    expect(disbursement(e.t, loan.loanId)).toMatchObject({ status: "queued", attempts: 1, failure_reason: "INVALID_DESTINATION" });
    await disburseJob.handler({ loanId: loan.loanId }, ctxOf(e.t));
    e.t.clock.advance(16 * 60_000);
    // the second payout is still in flight at Xendit: left pending
    expect(await reconcileDisbursementsJob.handler({}, ctxOf(e.t))).toMatchObject({ seen: 1, stillPending: 1 });
    const second = [...e.fake.payouts.values()].find((p) => p.reference_id.endsWith(".2"))!;
    await e.fake.settlePayout(second.id, "SUCCEEDED");
    expect(await reconcileDisbursementsJob.handler({}, ctxOf(e.t))).toMatchObject({ seen: 1, settled: 1 });
    expect(loanStatus(e.t, loan.loanId)).toBe("active");
    expect(e.t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE kind = 'disbursement.failed'")!.n).toBe(1);
    clean(e.t);
  }, 60_000);

  test("SDK errors (5xx, 4xx, a slow answer) surface as needs_attention on the last attempt, never a silent loss; a duplicate idempotency key answers the payout Xendit holds", async () => {
    const e = setup();
    const loan = e.t.db.tx((c) => seedLoan(c));
    e.fake.failNext = { n: 100, status: 500, error_code: "SERVER_ERROR", message: "Internal server error", path: "/v2/payouts" };
    await expect(disburseJob.handler({ loanId: loan.loanId }, ctxOf(e.t, 1))).rejects.toThrow("xendit create payout: 500 SERVER_ERROR: Internal server error");
    expect(disbursement(e.t, loan.loanId).status).toBe("pending"); // retried by the job
    e.fake.failNext = { n: 100, status: 400, error_code: "API_VALIDATION_ERROR", message: "Invalid channel_code", path: "/v2/payouts" };
    await expect(disburseJob.handler({ loanId: loan.loanId }, ctxOf(e.t, 5))).rejects.toThrow("API_VALIDATION_ERROR");
    expect(disbursement(e.t, loan.loanId)).toMatchObject({ status: "needs_attention", failure_reason: "gateway error: xendit create payout: 400 API_VALIDATION_ERROR: Invalid channel_code" });
    expect(e.fake.payouts.size).toBe(0);

    const loan2 = e.t.db.tx((c) => seedLoan(c));
    e.fake.failNext = null;
    e.fake.slowMs = 800;
    await expect(disburseJob.handler({ loanId: loan2.loanId }, ctxOf(e.t, 5))).rejects.toThrow("xendit create payout: no answer TIMEOUT");
    expect(disbursement(e.t, loan2.loanId).status).toBe("needs_attention");
    await Bun.sleep(900); // the slow request still reached Xendit: the payout exists, and its callback settles the attempt
    e.fake.slowMs = 0;
    await e.fake.settle();

    const loan3 = e.t.db.tx((c) => seedLoan(c));
    e.fake.duplicateNext = true;
    await disburseJob.handler({ loanId: loan3.loanId }, ctxOf(e.t));
    const held = [...e.fake.payouts.values()].find((p) => p.reference_id.startsWith(disbursementId(e.t, loan3.loanId)))!;
    expect(disbursement(e.t, loan3.loanId).gateway_ref).toBe(held.id);
    await e.fake.settle();
    expect(loanStatus(e.t, loan3.loanId)).toBe("active");
    // a wrong secret key: 401 INVALID_API_KEY named, nothing sent
    const bad = new XenditGateway({ secretKey: () => "xnd_wrong", xenditUrl: e.fake.url, vaChannel: "BNI", timeoutMs: 500 });
    await expect(bad.createVirtualAccount({ loanId: "x", name: "X" })).rejects.toThrow("xendit list payment methods: 401 INVALID_API_KEY");
    clean(e.t);
  }, 60_000);
});

const disbursementId = (t: TestApp, loanId: string) => t.db.read.get<{ id: string }>("SELECT id FROM disbursements WHERE loan_id = ?", loanId)!.id;

async function lastPaymentObject(e: Env) {
  const m = [...e.fake.methods.values()][0];
  const r = (await (await fetch(`${e.fake.url}/v2/payment_methods/${m.id}/payments`, { headers: { authorization: `Basic ${btoa(`${SECRET_KEY}:`)}` } })).json()) as { data: unknown[] };
  return r.data.at(-1) as Record<string, unknown>;
}
