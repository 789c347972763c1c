// Money movement end to end on the built binary: the gateway sandbox (scripts/simulate-gateway.ts) behind HTTP,
// signed webhooks, the disburse / issue-virtual-account / reconcile-payments jobs, and `kreditku ledger check`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { startGatewaySimulator } from "../scripts/simulate-gateway.ts";
import { seedLoan } from "./kit/accepted-loan.ts";
import { waitFor } from "./kit/wait.ts";
import { paymentPayload } from "../extensions/payments/sandbox.ts";

const SECRET = "whsec_" + Buffer.from("e2e-secret-e2e-secret-e2e-secret").toString("base64");
const OLD_SECRET = "whsec_" + Buffer.from("old-secret-old-secret-old-secret").toString("base64");

let srv: Running;
let sim: ReturnType<typeof startGatewaySimulator>;
let db: Database;
let admin: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Poll fn until it returns something truthy (10 s unless told). */
const until = <T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 10_000) => waitFor(fn, timeoutMs, what, 50) as Promise<T>;
const q = <T = any>(sql: string, ...p: any[]) => db.query(sql).get(...p) as T;
const outstanding = (loanId: string) => q<{ o: number }>("SELECT SUM(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid) AS o FROM installments WHERE loan_id = ?", loanId).o;

async function newActiveLoan() {
  const loan = seedLoan(db, { enqueueDisburse: true });
  await until("loan active", () => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "active");
  const va = await until("VA issued", () => q<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ?", loan.loanId)?.va_number);
  return { ...loan, va };
}

/** A xendit payment of 10,000 to a VA nobody has. */
function xenditToUnknownVa(paymentId: string) {
  const body = JSON.stringify(paymentPayload("xendit", { paymentId, vaNumber: "8808999999999999", amount: 10_000, currency: "IDR", paidAt: new Date().toISOString() }));
  return fetch(`${srv.url}/webhooks/payments/xendit`, { method: "POST", headers: { "x-callback-token": "xendit-token-1-e2e-0123", "content-type": "application/json" }, body });
}

async function simPay(body: Record<string, unknown>) {
  const r = await fetch(`${sim.url}/sim/pay`, { method: "POST", body: JSON.stringify(body) });
  return (await r.json()) as { paymentId: string };
}

beforeAll(async () => {
  sim = startGatewaySimulator({ secret: SECRET, disbursementDelayMs: 50 });
  srv = await startBinary({
    depot: join(tempDepot("kreditku-pay-"), "depot"),
    env: {
      KREDITKU_GATEWAY: "http",
      KREDITKU_GATEWAY_URL: sim.url,
      KREDITKU_WEBHOOK_SECRET_STANDARD: `${SECRET},${OLD_SECRET}`,
      KREDITKU_WEBHOOK_SECRET_XENDIT: "xendit-token-1-e2e-0123",
      KREDITKU_DISBURSE_RETRY_MS: "100",
    },
  });
  sim.gateway.callbackBase = srv.url;
  db = new Database(join(srv.depot, "data/main.db"), { strict: false });
  db.exec("PRAGMA busy_timeout = 10000");
  const made = await runCli(["admin", "create", "--depot", srv.depot, "--email", "fin@kreditku.test", "--password", "finance-pass-123", "--role", "finance"]);
  expect(made.code).toBe(0);
  const login = await fetch(`${srv.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "fin@kreditku.test", password: "finance-pass-123" }) });
  admin = ((await login.json()) as any).accessToken;
}, 60_000);

afterAll(async () => {
  db?.close();
  sim?.stop();
  srv?.cleanup();
});

describe("money movement (binary + gateway sandbox)", () => {
  test("disburse job → success webhook activates the loan, schedule dated from the disbursement, VA issued", async () => {
    const loan = await newActiveLoan();
    const l = q<any>("SELECT * FROM loans WHERE id = ?", loan.loanId);
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    expect(l.start_date).toBe(today);
    expect(q<any>("SELECT due_date FROM installments WHERE loan_id = ? AND seq = 1", loan.loanId).due_date > today).toBe(true);
    expect(q<any>("SELECT status, attempts, net_amount FROM disbursements WHERE loan_id = ?", loan.loanId)).toEqual({ status: "succeeded", attempts: 1, net_amount: 5_000_000 });
    expect(outstanding(loan.loanId)).toBe(5_500_000);
  });

  test("50 concurrent deliveries of one payment event → one payment; outstanding 5,390,000", async () => {
    const loan = await newActiveLoan();
    const started = performance.now();
    await simPay({ vaNumber: loan.va, amount: 110_000, duplicates: 49, concurrent: true });
    const ms = performance.now() - started;
    const statuses = sim.gateway.deliveries.slice(-50).map((d) => d.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(q<any>("SELECT COUNT(*) AS n FROM payments WHERE loan_id = ?", loan.loanId).n).toBe(1);
    expect(outstanding(loan.loanId)).toBe(5_390_000);
    const ev = q<any>("SELECT attempts, status FROM webhook_events WHERE kind = 'payment' ORDER BY id DESC LIMIT 1");
    expect(ev).toEqual({ attempts: 50, status: "applied" });
    console.log(`50 concurrent duplicate deliveries answered in ${ms.toFixed(0)} ms`);
  });

  test("duplicate answers 200 with the original result; forged, stale, malformed and unknown are refused and recorded", async () => {
    const loan = await newActiveLoan();
    const body = JSON.stringify(paymentPayload("standard", { paymentId: "pay-dup-check", vaNumber: loan.va, amount: 110_000, currency: "IDR", paidAt: new Date().toISOString() }));
    const wh = new Webhook(OLD_SECRET); // signed with the previous secret: still accepted during rotation
    const send = (id: string, b: string, at = new Date(), sig?: string) =>
      fetch(`${srv.url}/webhooks/payments/standard`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": sig ?? wh.sign(id, at, b) },
        body: b,
      });
    const first = await send("msg_dup_check", body);
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    const again = await send("msg_dup_check", body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(firstBody);
    const before = q<any>("SELECT COUNT(*) AS n FROM webhook_events WHERE status = 'rejected'").n;
    const forged = await send("msg_forged", body.replace("110000", "999000"), new Date(), wh.sign("msg_forged", new Date(), body));
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).toContain("application/problem+json");
    expect(((await forged.json()) as any).reason).toBe("bad_signature");
    const stale = await send("msg_stale", body, new Date(Date.now() - 10 * 60_000));
    expect(stale.status).toBe(401);
    const garbage = await send("msg_garbage", "{not json");
    expect(garbage.status).toBe(400);
    const unknown = await fetch(`${srv.url}/webhooks/payments/paypal`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(400);
    const xendit = await fetch(`${srv.url}/webhooks/payments/xendit`, { method: "POST", headers: { "x-callback-token": "wrong" }, body: "{}" });
    expect(xendit.status).toBe(401);
    expect(q<any>("SELECT COUNT(*) AS n FROM webhook_events WHERE status = 'rejected'").n).toBe(before + 5);
    expect(q<any>("SELECT COUNT(*) AS n FROM payments WHERE loan_id = ?", loan.loanId).n).toBe(1);
    const big = await send("msg_big", JSON.stringify({ pad: "x".repeat(70_000) }));
    expect(big.status).toBe(413);
  });

  test("xendit payment to an unknown VA → needs_attention, nothing guessed", async () => {
    const r = await xenditToUnknownVa("x-unknown-va");
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).status).toBe("needs_attention");
    expect(q<any>("SELECT status, reason FROM payments WHERE provider_payment_id = 'x-unknown-va'")).toEqual({ status: "needs_attention", reason: "unknown_virtual_account" });
  });

  test("finance resolves an unknown-VA payment (held in unapplied_cash) to a loan", async () => {
    const loan = await newActiveLoan();
    expect((await xenditToUnknownVa("x-unknown-va-resolved")).status).toBe(200);
    const p = q<{ id: string; unapplied_amount: number }>("SELECT id, unapplied_amount FROM payments WHERE provider_payment_id = 'x-unknown-va-resolved'");
    expect(p.unapplied_amount).toBe(10_000);
    const resolve = (body: unknown) =>
      fetch(`${srv.url}/api/v1/admin/payments/${p.id}/resolve`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json", "idempotency-key": `res-${p.id}-${JSON.stringify(body)}` }, body: JSON.stringify(body) });
    const r = await resolve({ loanId: loan.loanId });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "applied", loanId: loan.loanId, outstandingAmount: 5_490_000, resolution: `loan:${loan.loanId}` });
    expect(q<any>("SELECT status, unapplied_amount, loan_id FROM payments WHERE id = ?", p.id)).toEqual({ status: "applied", unapplied_amount: 0, loan_id: loan.loanId });
    expect((await resolve({ refund: true, transferReference: "X" })).status).toBe(409);
  });

  test("a payment re-sent under a new message id with another amount is recorded as needing attention, moves nothing; an identical re-send is a duplicate", async () => {
    const loan = await newActiveLoan();
    const wh = new Webhook(SECRET);
    const send = (id: string, amount: number) => {
      const body = JSON.stringify(paymentPayload("standard", { paymentId: "pay-resent-e2e", vaNumber: loan.va, amount, currency: "IDR", paidAt: new Date().toISOString() }));
      const at = new Date();
      return fetch(`${srv.url}/webhooks/payments/standard`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": wh.sign(id, at, body) },
        body,
      });
    };
    const first = (await (await send("msg_resent_1", 110_000)).json()) as any;
    expect(first).toMatchObject({ status: "applied", result: { amount: 110_000, outstandingAmount: 5_390_000 } });
    const same = await send("msg_resent_2", 110_000);
    expect(same.status).toBe(200);
    expect(((await same.json()) as any).result).toEqual(first.result);
    const other = await send("msg_resent_3", 330_000);
    expect(other.status).toBe(200);
    const body = (await other.json()) as any;
    expect(body).toMatchObject({
      status: "needs_attention",
      result: { status: "needs_attention", reason: "conflicting_resend", amount: 330_000, conflict: { paymentId: first.result.paymentId, amount: 110_000, differs: ["amount"] } },
    });
    expect(outstanding(loan.loanId)).toBe(5_390_000);
    expect(q<any>("SELECT COUNT(*) AS n FROM ledger_journals WHERE loan_id = ? AND kind = 'payment'", loan.loanId).n).toBe(1);
    const list = (await (await fetch(`${srv.url}/api/v1/admin/payments?status=needs_attention&loanId=${loan.loanId}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as any;
    expect(list.items).toEqual([expect.objectContaining({ id: body.result.paymentId, amount: 330_000, reason: "conflicting_resend", conflictOf: first.result.paymentId, conflict: expect.objectContaining({ amount: 110_000 }) })]);
    const ev = q<any>("SELECT status FROM webhook_events WHERE provider = 'standard' AND event_id = 'msg_resent_3'");
    expect(ev.status).toBe("needs_attention");
  });

  test("a payment crossing several instalments, then overpayment and payoff close the loan", async () => {
    const loan = await newActiveLoan();
    await simPay({ vaNumber: loan.va, amount: 3 * 110_000 + 55_000 });
    expect(q<any>("SELECT COUNT(*) AS n FROM installments WHERE loan_id = ? AND status = 'paid'", loan.loanId).n).toBe(3);
    expect(q<any>("SELECT status, interest_paid, principal_paid FROM installments WHERE loan_id = ? AND seq = 4", loan.loanId)).toEqual({ status: "partial", interest_paid: 10_000, principal_paid: 45_000 });
    const rest = outstanding(loan.loanId);
    expect(rest).toBe(5_500_000 - 385_000);
    await simPay({ vaNumber: loan.va, amount: rest + 40_000 });
    expect(q<any>("SELECT status, credit_balance_amount FROM loans WHERE id = ?", loan.loanId)).toEqual({ status: "paid_off", credit_balance_amount: 40_000 });
    // finance refunds the credit balance (ledger: Dr borrower credit / Cr cash)
    const tooMuch = await fetch(`${srv.url}/api/v1/admin/loans/${loan.loanId}/refunds`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ amount: 40_001, transferReference: "BCA-TRF-0001" }) });
    expect(tooMuch.status).toBe(422);
    const noReference = await fetch(`${srv.url}/api/v1/admin/loans/${loan.loanId}/refunds`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ amount: 40_000 }) });
    expect(noReference.status).toBe(422); // a refund records the bank transfer that paid it: its reference is required
    const refund = await fetch(`${srv.url}/api/v1/admin/loans/${loan.loanId}/refunds`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json", "idempotency-key": `rf-${loan.loanId}` }, body: JSON.stringify({ amount: 40_000, reason: "overpayment", transferReference: "BCA-TRF-0001" }) });
    expect(refund.status).toBe(201);
    expect(((await refund.json()) as any).creditBalanceAmount).toBe(0);
  });

  test("out of order: a payment before the disbursement webhook is held and applied at activation", async () => {
    sim.gateway.disbursementDelayMs = 1500;
    try {
      const loan = seedLoan(db, { enqueueDisburse: true });
      const va = await until("VA issued", () => q<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ?", loan.loanId)?.va_number);
      expect(q<any>("SELECT status FROM loans WHERE id = ?", loan.loanId).status).toBe("disbursing");
      await simPay({ vaNumber: va, amount: 110_000 });
      expect(q<any>("SELECT status FROM payments WHERE loan_id = ?", loan.loanId).status).toBe("pending");
      await until("loan active", () => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "active");
      expect(q<any>("SELECT status FROM payments WHERE loan_id = ?", loan.loanId).status).toBe("applied");
      expect(outstanding(loan.loanId)).toBe(5_390_000);
    } finally {
      sim.gateway.disbursementDelayMs = 50;
    }
  });

  test("failed disbursement is retried (same row, attempt 2) and succeeds", async () => {
    const loan = seedLoan(db);
    sim.gateway.failNext.set(loan.loanId, 1);
    db.query("INSERT INTO outbox (key, kind, name, queue, payload, max_attempts, run_at, created_at, updated_at) VALUES (?, 'job', 'disburse', 'owner', ?, 5, ?, ?, ?)").run(`disburse:${loan.loanId}`, JSON.stringify({ loanId: loan.loanId }), Date.now(), Date.now(), Date.now());
    await until("loan active after retry", () => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "active", 15_000);
    expect(q<any>("SELECT status, attempts FROM disbursements WHERE loan_id = ?", loan.loanId)).toEqual({ status: "succeeded", attempts: 2 });
    expect(q<any>("SELECT COUNT(*) AS n FROM disbursements WHERE loan_id = ?", loan.loanId).n).toBe(1);
  });

  test("reconciliation applies a payment whose webhook never arrived (and only once)", async () => {
    const loan = await newActiveLoan();
    const p = await simPay({ vaNumber: loan.va, amount: 110_000, drop: true });
    expect(q<any>("SELECT COUNT(*) AS n FROM payments WHERE provider_payment_id = ?", p.paymentId).n).toBe(0);
    for (const key of ["reconcile-e2e-1", "reconcile-e2e-2"]) {
      db.query("INSERT INTO outbox (key, kind, name, queue, payload, max_attempts, run_at, created_at, updated_at) VALUES (?, 'job', 'reconcile-payments', 'owner', '{}', 3, ?, ?, ?)").run(key, Date.now(), Date.now(), Date.now());
      await until("reconcile ran", () => q<any>("SELECT state FROM outbox WHERE key = ?", key)?.state === "completed");
    }
    expect(q<any>("SELECT status, source FROM payments WHERE provider_payment_id = ?", p.paymentId)).toEqual({ status: "applied", source: "reconcile" });
    expect(outstanding(loan.loanId)).toBe(5_390_000);
  });

  test("staff: ledger pages, trial balance, payments and webhook log need staff roles", async () => {
    // a loan of its own with five repayments: a disbursement journal and five payment journals
    const loan = await newActiveLoan();
    for (let i = 0; i < 5; i++) await simPay({ vaNumber: loan.va, amount: 10_000 });
    expect((await fetch(`${srv.url}/api/v1/admin/ledger`)).status).toBe(401);
    const auth = { headers: { authorization: `Bearer ${admin}` } };
    const page1 = (await (await fetch(`${srv.url}/api/v1/admin/ledger?limit=3`, auth)).json()) as any;
    expect(page1.items.length).toBe(3);
    const page2 = (await (await fetch(`${srv.url}/api/v1/admin/ledger?limit=3&cursor=${page1.nextCursor}`, auth)).json()) as any;
    expect(page2.items[0].id).toBeLessThan(page1.items[2].id);
    const tb = (await (await fetch(`${srv.url}/api/v1/admin/ledger/trial-balance`, auth)).json()) as any;
    expect(tb.balanced).toBe(true);
    expect(tb.totalDebitAmount).toBeGreaterThan(0);
    const pays = (await (await fetch(`${srv.url}/api/v1/admin/payments?limit=5`, auth)).json()) as any;
    expect(pays.items.length).toBe(5);
    // finance may not read the webhook log (admin only)
    expect((await fetch(`${srv.url}/api/v1/admin/webhook-events`, auth)).status).toBe(403);
  });

  test("kreditku ledger check proves the book, and finds a tampered line", async () => {
    const loan = await newActiveLoan(); // a book with journals of its own
    await simPay({ vaNumber: loan.va, amount: 110_000 });
    const ok = await runCli(["ledger", "check", "--depot", srv.depot]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("ledger ok");
    console.log(ok.stdout.trim());
    db.query("UPDATE ledger_lines SET credit = credit + 1 WHERE id = (SELECT MAX(id) FROM ledger_lines WHERE credit > 0)").run();
    const bad = await runCli(["ledger", "check", "--depot", srv.depot]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unbalanced");
    db.query("UPDATE ledger_lines SET credit = credit - 1 WHERE id = (SELECT MAX(id) FROM ledger_lines WHERE credit > 0)").run();
    expect((await runCli(["ledger", "check", "--depot", srv.depot])).code).toBe(0);
  });
});

describe("a delinquent loan whose arrears are paid (moved clock)", () => {
  test("the webhook result, the loan and the collections list say active with DPD 0 at once; a same-day sweep rerun changes nothing; the ledger proves it", async () => {
    const depot = join(tempDepot("kreditku-cure-"), "depot");
    const s = await startBinary({ depot, env: { KREDITKU_TEST_CLOCK: "1", KREDITKU_WEBHOOK_SECRET_STANDARD: SECRET } });
    const cdb = new Database(join(depot, "data/main.db"));
    cdb.exec("PRAGMA busy_timeout = 10000");
    const get = <T = any>(sql: string, ...p: any[]) => cdb.query(sql).get(...p) as T;
    try {
      expect((await runCli(["admin", "create", "--depot", depot, "--email", "ops@kreditku.test", "--password", "admin-pass-12345", "--role", "admin"])).code).toBe(0);
      // the reference loan, disbursed by the in-process sandbox today
      const loan = seedLoan(cdb, { enqueueDisburse: true });
      const va = await until("loan active with a VA", () => get<any>("SELECT v.va_number AS va FROM virtual_accounts v JOIN loans l ON l.id = v.loan_id WHERE l.id = ? AND l.status = 'active'", loan.loanId)?.va, 15_000);
      // 15 days later: instalment 1 is 8 days past due (grace 3), instalment 2 one day; the sweep makes it delinquent
      const moved = (await (await fetch(`${s.url}/_/test/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs: 15 * 86_400_000 }) })).json()) as { now: string };
      const now = new Date(moved.now);
      const today = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
      const login = await fetch(`${s.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "ops@kreditku.test", password: "admin-pass-12345" }) });
      const staff = { authorization: `Bearer ${((await login.json()) as any).accessToken}`, "content-type": "application/json" };
      const sweep = async () => {
        const r = await fetch(`${s.url}/api/v1/admin/collections/sweep`, { method: "POST", headers: staff, body: "{}" });
        expect(r.status).toBe(202);
        const { jobKey } = (await r.json()) as { jobKey: string };
        await until("sweep ran", () => get<any>("SELECT state FROM outbox WHERE key = ?", jobKey)?.state === "completed", 15_000);
      };
      await sweep();
      expect(get<any>("SELECT status, dpd FROM loans WHERE id = ?", loan.loanId)).toEqual({ status: "delinquent", dpd: 8 });
      const arrears = get<{ n: number }>(
        "SELECT SUM(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid) AS n FROM installments WHERE loan_id = ? AND due_date < ?",
        loan.loanId,
        today,
      ).n;
      expect(arrears).toBe(220_550);

      const body = JSON.stringify(paymentPayload("standard", { paymentId: "pay-arrears-e2e", vaNumber: va, amount: arrears, currency: "IDR", paidAt: now.toISOString() }));
      const r = await fetch(`${s.url}/webhooks/payments/standard`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": "msg_arrears_e2e", "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": new Webhook(SECRET).sign("msg_arrears_e2e", now, body) },
        body,
      });
      expect(r.status).toBe(200);
      expect(((await r.json()) as any).result).toMatchObject({ status: "applied", loanStatus: "active", outstandingAmount: 5_280_000 });
      expect(get<any>("SELECT status, dpd FROM loans WHERE id = ?", loan.loanId)).toEqual({ status: "active", dpd: 0 });
      expect(get<any>("SELECT from_status, to_status, actor FROM loan_events WHERE loan_id = ? ORDER BY id DESC LIMIT 1", loan.loanId)).toEqual({ from_status: "delinquent", to_status: "active", actor: "system:payments" });
      const delinquent = (await (await fetch(`${s.url}/api/v1/admin/collections?status=delinquent`, { headers: staff })).json()) as any;
      expect(delinquent.items).toEqual([]);
      const listed = (await (await fetch(`${s.url}/api/v1/admin/collections`, { headers: staff })).json()) as any;
      expect(listed.items.find((i: any) => i.loanId === loan.loanId)).toMatchObject({ status: "active", dpd: 0, bucket: "lancar", overdueAmount: 0 });

      const events = get<{ n: number }>("SELECT COUNT(*) AS n FROM loan_events WHERE loan_id = ?", loan.loanId).n;
      await sweep();
      expect(get<any>("SELECT status, dpd FROM loans WHERE id = ?", loan.loanId)).toEqual({ status: "active", dpd: 0 });
      expect(get<{ n: number }>("SELECT COUNT(*) AS n FROM loan_events WHERE loan_id = ?", loan.loanId).n).toBe(events);
      const check = await runCli(["ledger", "check", "--depot", depot]);
      expect(check.code).toBe(0);
    } finally {
      cdb.close();
      s.cleanup();
    }
  }, 60_000);
});

describe("crash safety", () => {
  test("kill -9 in a webhook burst: after restart the ledger check passes and redelivery applies each payment once", async () => {
    const gw = startGatewaySimulator({ secret: SECRET, disbursementDelayMs: 10 });
    const depot = join(tempDepot("kreditku-crash-"), "depot");
    const env = { KREDITKU_GATEWAY: "http", KREDITKU_GATEWAY_URL: gw.url, KREDITKU_WEBHOOK_SECRET_STANDARD: SECRET };
    let s1: Running | null = await startBinary({ depot, env });
    gw.gateway.callbackBase = s1.url;
    const cdb = new Database(join(depot, "data/main.db"));
    cdb.exec("PRAGMA busy_timeout = 10000");
    let s2: Running | null = null;
    try {
      const loan = seedLoan(cdb, { enqueueDisburse: true });
      const end = Date.now() + 10_000;
      let va: string | undefined;
      while (Date.now() < end && !va) {
        va = (cdb.query("SELECT v.va_number AS va FROM virtual_accounts v JOIN loans l ON l.id = v.loan_id WHERE l.id = ? AND l.status = 'active'").get(loan.loanId) as any)?.va;
        await sleep(50);
      }
      expect(va).toBeTruthy();
      const N = 300;
      const payloads = Array.from({ length: N }, (_, i) => paymentPayload("standard", { paymentId: `crash-${i}`, vaNumber: va!, amount: 1_000, currency: "IDR", paidAt: new Date().toISOString() }));
      const deliver = (base: string, i: number) => {
        const w = new Webhook(SECRET);
        const body = JSON.stringify(payloads[i]);
        const id = `msg_crash_${i}`;
        const now = new Date();
        return fetch(base + "/webhooks/payments/standard", { method: "POST", headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": w.sign(id, now, body) }, body })
          .then((r) => r.status)
          .catch(() => 0);
      };
      const burst = Promise.all(Array.from({ length: N }, (_, i) => deliver(s1!.url, i)));
      await sleep(60);
      s1.proc.kill("SIGKILL");
      await s1.proc.exited;
      const statuses = await burst;
      const before = statuses.filter((x) => x === 200).length;
      s1 = null;
      const check1 = await runCli(["ledger", "check", "--depot", depot]);
      expect(check1.code).toBe(0);
      s2 = await startBinary({ depot, env });
      // the gateway retries everything it did not see acknowledged (we simply resend all)
      const again = await Promise.all(Array.from({ length: N }, (_, i) => deliver(s2!.url, i)));
      expect(again.every((x) => x === 200)).toBe(true);
      const n = (cdb.query("SELECT COUNT(*) AS n FROM payments WHERE loan_id = ?").get(loan.loanId) as any).n;
      expect(n).toBe(N);
      const o = (cdb.query("SELECT SUM(principal_due - principal_paid + interest_due - interest_paid) AS o FROM installments WHERE loan_id = ?").get(loan.loanId) as any).o;
      expect(o).toBe(5_500_000 - N * 1_000);
      const check2 = await runCli(["ledger", "check", "--depot", depot]);
      expect(check2.code).toBe(0);
      console.log(`crash test: ${before}/${N} acknowledged before kill -9; after restart ${n} payments, ledger ok`);
    } finally {
      cdb.close();
      gw.stop();
      s1?.cleanup();
      s2?.cleanup();
    }
  }, 60_000);
});

describe("default in-process sandbox gateway", () => {
  test("with no gateway configured, the disbursement webhook is signed with the depot's generated secret and activates the loan", async () => {
    const s = await startBinary({ depot: join(tempDepot("kreditku-sbx-"), "depot") });
    const sdb = new Database(join(s.depot, "data/main.db"));
    sdb.exec("PRAGMA busy_timeout = 10000");
    try {
      const loan = seedLoan(sdb, { enqueueDisburse: true });
      let status = "";
      for (let i = 0; i < 100 && status !== "active"; i++) {
        await sleep(100);
        status = (sdb.query("SELECT status FROM loans WHERE id = ?").get(loan.loanId) as any).status;
      }
      expect(status).toBe("active");
      expect((sdb.query("SELECT verified, status FROM webhook_events WHERE kind = 'disbursement'").get() as any)).toEqual({ verified: 1, status: "applied" });
    } finally {
      sdb.close();
      s.cleanup();
    }
  }, 30_000);
});
