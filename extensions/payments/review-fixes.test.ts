// Review findings on money movement (/tmp/review/REPORT.md #2, #6, #7, #9, #10, #11, #12, #13, #17, #18): each test
// asserts the fixed behaviour on a real (in-memory or depot) database with every migration.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { Registry } from "../../src/runtime/registry.ts";
import { txContextOf, jobContextOf } from "../../src/runtime/context.ts";
import { getRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { mountExtensions } from "../../src/runtime/routes.ts";
import { ManualClock } from "../../src/clock.ts";
import { EXTENSIONS } from "../index.ts";
import { JOBS } from "../../jobs/index.ts";
import type { TxContext } from "../../src/runtime/index.ts";
import { testAuth, freshIp, type TestAuth } from "../../src/auth/test-support.ts";
import { createStaffUser } from "../../src/auth/staff.ts";
import { webhooksModule, webhookSecretProblems, webhookSecrets } from "../../src/webhooks/index.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { minifyJson, parseStandardSecret, signStandard, verifyWebhook, webhookSecretProblem } from "./verify.ts";
import { applyDisbursementOutcome, applyPayment, loadInstalments, loadLoan, prepareDisbursement, resolvePayment } from "./money.ts";
import { totalOutstanding } from "./allocation.ts";
import { processVerifiedEvent, recordFailedDelivery, replayEvent } from "./events.ts";
import { signedWebhook, paymentPayload } from "./sandbox.ts";
import { GATEWAY_PORT } from "./gateway.ts";
import payments, { reconcileJob } from "./index.ts";
import { checkLedger, postJournal, trialBalance } from "../ledger/ledger.ts";
import { reverseUnrecognisedIncome } from "../ledger/income.ts";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

function setup() {
  const db = new Db(":memory:");
  migrate(db);
  const reg = new Registry(EXTENSIONS, JOBS);
  const clock = new ManualClock("2026-03-02T03:00:00Z");
  const tx = <T>(fn: (t: TxContext) => T) => db.tx((c) => fn(txContextOf(c, reg, clock)));
  return { db, tx, clock };
}
type Env = ReturnType<typeof setup>;

const pay = (env: Env, va: string, amount: number, id: string = crypto.randomUUID(), provider: "standard" | "xendit" = "standard", source: "webhook" | "reconcile" = "webhook") =>
  env.tx((t) => applyPayment(t, { provider, notice: { paymentId: id, vaNumber: va, amount, currency: "IDR", paidAt: env.clock.now().toISOString() }, source, now: env.clock.now() }));

function addVa(env: Env, va: string, loanId: string, provider = "standard") {
  env.db.tx((c) => c.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, created_at) VALUES (?, ?, ?, 'BNI', '')", va, loanId, provider));
}

function activate(env: Env, loanId: string, va?: string) {
  const prep = env.tx((t) => prepareDisbursement(t, loanId, env.clock.now()));
  if (prep.action !== "send") throw new Error(prep.reason);
  if (va) addVa(env, va, loanId);
  env.tx((t) => applyDisbursementOutcome(t, { reference: prep.request.reference, status: "succeeded", amount: prep.request.amount, completedAt: env.clock.now().toISOString() }, env.clock.now()));
  return prep;
}

const balances = (env: Env) => Object.fromEntries(trialBalance(env.db.read).accounts.map((a) => [a.account, a.balance]));

describe("#2/#17 ledger check is driven from the loans", () => {
  test("an early payment held on a disbursing loan is not a receivable mismatch", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    const prep = env.tx((t) => prepareDisbursement(t, loan.loanId, env.clock.now()));
    if (prep.action !== "send") throw new Error("no send");
    addVa(env, "8808111", loan.loanId);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    expect(pay(env, "8808111", 110_000)).toMatchObject({ status: "pending" });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    // the disbursement ends in needs_attention while the credit is held: still no false positive
    env.db.tx((c) => c.run("UPDATE disbursements SET status = 'needs_attention' WHERE loan_id = ?", loan.loanId));
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("an active loan whose journals were never posted is reported; every loan is counted", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    env.db.tx((c) => c.run("UPDATE loans SET status = 'active' WHERE id = ?", loan.loanId));
    const r = checkLedger(env.db.read);
    expect(r.loans).toBe(1);
    expect(r.discrepancies).toMatchObject([{ kind: "receivable_mismatch", loanId: loan.loanId }]);
  });

  test("a written-off or cancelled loan expects no receivables; a tampered suspense is reported", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    env.db.tx((c) => c.run("UPDATE loans SET status = 'cancelled' WHERE id = ?", loan.loanId));
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    env.tx((t) => postJournal(t, { kind: "test", ref: "1", lines: [{ account: "cash", debit: 5 }, { account: "unapplied_cash", credit: 5 }] }));
    expect(checkLedger(env.db.read).discrepancies).toMatchObject([{ kind: "suspense_mismatch" }]);
  });
});

describe("#6 webhook secrets", () => {
  const now = new Date("2026-03-02T03:00:00Z");
  const id = "msg_forged";
  const ts = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({ type: "payment.succeeded", data: { payment_id: "x", va_number: "8808111", amount: 999999999, currency: "IDR", paid_at: now.toISOString() } });

  test("a secret that is not whsec_ + strict base64 of ≥ 24 bytes is never an HMAC key (no forgery with an empty key)", () => {
    const forged = createHmac("sha256", Buffer.alloc(0)).update(`${id}.${ts}.${body}`).digest("base64");
    for (const secret of ["!!!!!!!!!!!!!!!!", "whsec_!!!!!!!!!!", "secret", "whsec_c2VjcmV0", "whsec_" + Buffer.alloc(16, 1).toString("base64")]) {
      const r = verifyWebhook({ provider: "standard", method: "POST", path: "/webhooks/payments/standard", headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${forged}` }, rawBody: body, secrets: [secret], now });
      expect(r).toMatchObject({ ok: false, reason: "no_secret" });
    }
    expect(() => signStandard("whsec_!!!!", id, ts, body)).toThrow();
    // a good secret, padded or not, still verifies
    const key = Buffer.alloc(24, 7).toString("base64"); // 32 chars, no padding needed
    expect(parseStandardSecret(`whsec_${key}`)?.length).toBe(24);
    expect(parseStandardSecret(SECRET)?.length).toBe(32);
    expect(parseStandardSecret("whsec_" + Buffer.alloc(25, 7).toString("base64"))?.length).toBe(25);
    expect(parseStandardSecret("whsec_" + Buffer.alloc(25, 7).toString("base64").replace(/=+$/, ""))?.length).toBe(25);
    expect(parseStandardSecret("whsec_" + key.slice(0, -1) + "!")).toBeNull();
    const sig = signStandard(SECRET, id, ts, body);
    expect(verifyWebhook({ provider: "standard", method: "POST", path: "/", headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig }, rawBody: body, secrets: ["whsec_bad", SECRET], now }).ok).toBe(true);
  });

  test("minimum lengths for snap and xendit; weak secrets are named at start (never the secret itself)", () => {
    expect(webhookSecretProblem("snap", "short")).toContain("at least 16");
    expect(webhookSecretProblem("xendit", "x".repeat(16))).toBeNull();
    expect(webhookSecretProblem("standard", SECRET)).toBeNull();
    const t = testAuth();
    try {
      const env = { KREDITKU_WEBHOOK_SECRET_STANDARD: `${SECRET},whsec_short`, KREDITKU_WEBHOOK_SECRET_XENDIT: "tok" };
      const problems = webhookSecretProblems(t.p, env);
      expect(problems).toHaveLength(2);
      expect(problems.join(" ")).toContain("KREDITKU_WEBHOOK_SECRET_STANDARD: standard secret #2");
      expect(problems.join(" ")).not.toContain("whsec_short");
      expect(webhookSecrets(t.p, "standard", env)).toEqual([SECRET]);
      expect(webhookSecrets(t.p, "xendit", env)).toEqual([]);
      // the generated depot secret is valid
      expect(webhookSecretProblems(t.p, {})).toEqual([]);
      expect(webhookSecrets(t.p, "standard", {})).toHaveLength(1);
    } finally {
      t.close();
    }
  });
});

describe("#7 needs_attention payments: suspense, resolution, recoveries", () => {
  test("a payment first seen for an unknown VA is held in suspense and applied when delivered again", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId);
    const first = pay(env, "8808999", 110_000, "pm-1"); // the VA row is not written yet
    expect(first).toMatchObject({ status: "needs_attention", reason: "unknown_virtual_account" });
    expect(balances(env)).toMatchObject({ unapplied_cash: 110_000 });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    addVa(env, "8808999", loan.loanId);
    const again = pay(env, "8808999", 110_000, "pm-1", "standard", "reconcile");
    expect(again).toMatchObject({ status: "applied", duplicate: false, loanId: loan.loanId, outstandingAmount: 5_390_000 });
    expect(pay(env, "8808999", 110_000, "pm-1")).toMatchObject({ status: "applied", duplicate: true });
    expect(balances(env)).toMatchObject({ unapplied_cash: 0 });
    expect(env.db.read.get<any>("SELECT status, unapplied_amount, resolution FROM payments")).toEqual({ status: "applied", unapplied_amount: 0, resolution: `auto:${loan.loanId}` });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("finance resolves an unknown-VA payment to a loan, or refunds it with a transfer reference", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808100");
    const a = pay(env, "0000-typo", 220_000);
    const b = pay(env, "0000-other", 50_000);
    expect(balances(env)).toMatchObject({ unapplied_cash: 270_000 });
    const r = env.tx((t) => resolvePayment(t, { paymentId: a.paymentId, loanId: loan.loanId, by: "finance-1", now: env.clock.now() }));
    expect(r).toMatchObject({ ok: true, payment: { status: "applied", loanId: loan.loanId, outstandingAmount: 5_280_000, resolution: `loan:${loan.loanId}`, resolvedBy: "finance-1" } });
    expect(env.tx((t) => resolvePayment(t, { paymentId: a.paymentId, loanId: loan.loanId, by: "finance-1", now: env.clock.now() }))).toMatchObject({ ok: false, error: "not_needs_attention" });
    const f = env.tx((t) => resolvePayment(t, { paymentId: b.paymentId, refund: true, transferReference: "BCA-TRF-1", by: "finance-1", now: env.clock.now() }));
    expect(f).toMatchObject({ ok: true, payment: { status: "applied", reason: "refunded", resolution: "refund:BCA-TRF-1" } });
    expect(balances(env)).toMatchObject({ unapplied_cash: 0, cash: -5_000_000 + 220_000 });
    expect(totalOutstanding(loadInstalments(env.db.read, loan.loanId))).toBe(5_280_000);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("a payment on a cancelled loan goes to suspense; a foreign-currency payment can only be refunded", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    addVa(env, "8808200", loan.loanId);
    env.db.tx((c) => c.run("UPDATE loans SET status = 'cancelled' WHERE id = ?", loan.loanId));
    const p = pay(env, "8808200", 10_000);
    expect(p).toMatchObject({ status: "needs_attention", reason: "loan_cancelled" });
    expect(balances(env)).toMatchObject({ unapplied_cash: 10_000 });
    expect(env.tx((t) => resolvePayment(t, { paymentId: p.paymentId, loanId: loan.loanId, by: "f", now: env.clock.now() }))).toMatchObject({ ok: false, error: "loan_not_payable" });
    const other = env.db.tx((c) => seedLoan(c));
    activate(env, other.loanId);
    const usd = env.tx((t) => applyPayment(t, { provider: "standard", notice: { paymentId: "usd", vaNumber: "8808200", amount: 10, currency: "USD", paidAt: env.clock.now().toISOString() }, source: "webhook", now: env.clock.now() }));
    expect(env.tx((t) => resolvePayment(t, { paymentId: usd.paymentId, loanId: other.loanId, by: "f", now: env.clock.now() }))).toMatchObject({ ok: false, error: "foreign_currency" });
    expect(env.tx((t) => resolvePayment(t, { paymentId: usd.paymentId, refund: true, transferReference: "X1", by: "f", now: env.clock.now() }))).toMatchObject({ ok: true });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("a payment on a written-off loan is a recovery (Dr cash / Cr recovery_income); beyond the write-off it is credit", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808300");
    // write the loan off as collections does: the unrecognised interest (none fell due) is reversed, every
    // remaining receivable goes to write_off_expense
    env.tx((t) => {
      expect(reverseUnrecognisedIncome(t, loan.loanId, env.clock.now().toISOString())).toEqual({ interest: 500_000, fee: 0 });
      postJournal(t, { kind: "write_off", ref: loan.loanId, loanId: loan.loanId, lines: [{ account: "write_off_expense", debit: 5_000_000 }, { account: "principal_receivable", credit: 5_000_000 }] });
      t.run("INSERT INTO write_offs (loan_id, dpd, principal_amount, interest_amount, fee_amount, late_fee_amount, total_amount, actor, reason, created_at) VALUES (?, 200, 5000000, 0, 0, 0, 5000000, 'x', 'x', '')", loan.loanId);
      t.run("UPDATE loans SET status = 'written_off' WHERE id = ?", loan.loanId);
    });
    expect(pay(env, "8808300", 4_900_000)).toMatchObject({ status: "applied", reason: "recovery_after_write_off" });
    expect(pay(env, "8808300", 200_000)).toMatchObject({ status: "applied", reason: "recovery_after_write_off", creditBalanceAmount: 100_000 });
    expect(balances(env)).toMatchObject({ recovery_income: 5_000_000, borrower_credit: 100_000, unapplied_cash: 0, unearned_interest: 0, interest_income: 0 });
    expect(loadLoan(env.db.read, loan.loanId)!.credit_balance_amount).toBe(100_000);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });
});

describe("#9 SNAP minify keeps every token's text", () => {
  test("a body already minified by the sender, with escaped slashes and a 2-decimal number, verifies", () => {
    const secret = "snap-secret-0123456789";
    const now = new Date("2026-03-02T03:00:00Z");
    const ts = "2026-03-02T10:00:00+07:00";
    const path = "/webhooks/payments/snap";
    const raw = `{"paymentRequestId":"p-1","virtualAccountNo":"8808111","paidAmount":{"value":"110000.00","currency":"IDR"},"trxDateTime":"2026-03-02T10:00:00+07:00","additionalInfo":{"note":"a\\/b","n":110000.00,"e":"\\u00e9"}}`;
    const sign = (body: string) => createHmac("sha512", secret).update(`POST:${path}:${createHash("sha256").update(body).digest("hex")}:${ts}`).digest("base64");
    const headers = (sig: string) => ({ "x-timestamp": ts, "x-signature": sig, "x-external-id": "1" });
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(raw)), rawBody: raw, secrets: [secret], now }).ok).toBe(true);
    // pretty-printed on the wire, signed over the minified text
    const pretty = raw.replace(/,"/g, ',\n  "').replace("{", "{ ").replace(/}$/, "\n}");
    expect(minifyJson(pretty)).toBe(raw);
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(raw)), rawBody: pretty, secrets: [secret], now }).ok).toBe(true);
    // …or signed over the body exactly as received
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(pretty)), rawBody: pretty, secrets: [secret], now }).ok).toBe(true);
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(raw + " ")), rawBody: pretty, secrets: [secret], now }).ok).toBe(false);
  });

  test("whitespace inside strings (and escaped quotes) is kept", () => {
    expect(minifyJson(`{ "a" : "x  y\\" z" ,\n\t"b": [ 1 , 2.50 ] }`)).toBe(`{"a":"x  y\\" z","b":[1,2.50]}`);
    expect(() => minifyJson("{nope")).toThrow();
  });
});

describe("#10 a VA only takes payments from the provider that issued it", () => {
  test("the same payment id via another provider → needs_attention provider_mismatch, nothing posted", () => {
    const env = setup();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808111");
    expect(pay(env, "8808111", 110_000, "PAY-1", "standard")).toMatchObject({ status: "applied", outstandingAmount: 5_390_000 });
    const b = pay(env, "8808111", 110_000, "PAY-1", "xendit");
    expect(b).toMatchObject({ status: "needs_attention", reason: "provider_mismatch", outstandingAmount: 5_390_000 });
    expect(env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE ref = ?", b.paymentId)!.n).toBe(0);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });
});

describe("#11 reconciliation validates each gateway row and goes on after a bad one", () => {
  test("invalid rows → needs_attention (once), valid rows applied", async () => {
    const t = testAuth();
    try {
      const env = { db: t.p.db, tx: <T>(fn: (x: TxContext) => T) => t.p.db.tx((c) => fn(txContextOf(c, new Registry(EXTENSIONS, JOBS), t.clock))), clock: t.clock };
      const loan = t.p.db.tx((c) => seedLoan(c));
      activate(env, loan.loanId, "8808400");
      const paidAt = t.clock.now().toISOString();
      const rows: unknown[] = [
        { paymentId: "r-frac", vaNumber: "8808400", amount: 110_000.5, currency: "IDR", paidAt },
        { paymentId: "r-str", vaNumber: "8808400", amount: "abc", currency: "IDR", paidAt },
        { paymentId: "r-date", vaNumber: "8808400", amount: 1_000, currency: "IDR", paidAt: "yesterday" },
        null,
        { vaNumber: "8808400", amount: 1_000, currency: "IDR", paidAt },
        { paymentId: "r-ok", vaNumber: "8808400", amount: 110_000, currency: "IDR", paidAt },
      ];
      t.p.ports.set(GATEWAY_PORT, { provider: "standard", kind: "test", listPayments: async () => rows });
      const rt = getRuntime(t.p, { extensions: EXTENSIONS, jobs: [], embedded: { pollMs: 50 } });
      const ctx = jobContextOf(rt.context(), "job-1", 1, new AbortController().signal);
      const out = await reconcileJob.handler({}, ctx);
      expect(out).toEqual({ seen: 6, applied: 1, needsAttention: 5 });
      const st = t.p.db.read.all<any>("SELECT provider_payment_id AS id, status, substr(reason, 1, 19) AS reason FROM payments ORDER BY provider_payment_id");
      expect(st).toEqual([
        { id: "r-date", status: "needs_attention", reason: "invalid_gateway_row" },
        { id: "r-frac", status: "needs_attention", reason: "invalid_gateway_row" },
        { id: "r-ok", status: "applied", reason: null },
        { id: "r-str", status: "needs_attention", reason: "invalid_gateway_row" },
      ]);
      // the next run records nothing twice; a corrected row for the same payment id is applied
      rows[0] = { paymentId: "r-frac", vaNumber: "8808400", amount: 110_000, currency: "IDR", paidAt };
      expect(await reconcileJob.handler({}, ctx)).toEqual({ seen: 6, applied: 1, needsAttention: 4 });
      expect(t.p.db.read.get<any>("SELECT status, amount FROM payments WHERE provider_payment_id = 'r-frac'")).toEqual({ status: "applied", amount: 110_000 });
      expect(totalOutstanding(loadInstalments(t.p.db.read, loan.loanId))).toBe(5_280_000);
      expect(checkLedger(t.p.db.read).discrepancies).toEqual([]);
    } finally {
      t.close();
    }
  });
});

describe("#13/#18 webhook event storage and per-IP limit on unverified deliveries", () => {
  test("unverified deliveries keep no body or headers; verified failures keep the whole body and replay", () => {
    const env = setup();
    const now = env.clock.now();
    const id = env.db.tx((c) => recordFailedDelivery(c, { provider: "standard", kind: "payment", eventId: null, verified: false, status: "rejected", reason: "bad_signature: " + "x".repeat(1000), headers: { "webhook-id": "m" }, rawBody: "y".repeat(5000), now }));
    expect(env.db.read.get<any>("SELECT body, headers, length(failure_reason) AS n FROM webhook_events WHERE id = ?", id)).toEqual({ body: "", headers: "{}", n: 200 });
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808500");
    const payload = { ...paymentPayload("standard", { paymentId: "big-1", vaNumber: "8808500", amount: 110_000, currency: "IDR", paidAt: now.toISOString() }), pad: "z".repeat(10_000) };
    const raw = JSON.stringify(payload);
    const fid = env.db.tx((c) => recordFailedDelivery(c, { provider: "standard", kind: "payment", eventId: "msg_big", verified: true, status: "failed", reason: "boom", headers: {}, rawBody: raw, now }));
    expect(env.db.read.get<any>("SELECT length(body) AS n FROM webhook_events WHERE id = ?", fid).n).toBe(raw.length);
    const out = env.tx((t) => replayEvent(t, fid, now));
    expect(out).toMatchObject({ status: "applied" });
  });

  let t: TestAuth;
  let rt: Runtime;
  let finance = "";
  beforeAll(async () => {
    process.env.KREDITKU_WEBHOOK_REJECT_LIMIT = "5";
    t = testAuth([webhooksModule]);
    delete process.env.KREDITKU_WEBHOOK_REJECT_LIMIT;
    rt = getRuntime(t.p, { extensions: EXTENSIONS, jobs: [], embedded: { pollMs: 50 } });
    mountExtensions(t.app, rt);
    await createStaffUser(t.p.db, { email: "finance@kreditku.id", password: "correct horse battery", role: "finance" });
    const r = await t.post("/api/v1/auth/login", { email: "finance@kreditku.id", password: "correct horse battery" }, { ip: freshIp() });
    finance = ((await r.json()) as any).accessToken;
  });
  afterAll(() => t.close());

  test("unverified deliveries are limited per client IP (then 429 before the body is read); verified ones never count", async () => {
    const ip = freshIp();
    // verified deliveries, more than the limit, from the same IP: all applied
    const secret = webhookSecrets(t.p, "standard")[0];
    for (let i = 0; i < 8; i++) {
      const w = signedWebhook("standard", secret, "payment", paymentPayload("standard", { paymentId: `v-${i}`, vaNumber: "0000", amount: 1_000, currency: "IDR", paidAt: t.clock.now().toISOString() }), { eventId: `msg_v_${i}`, now: t.clock.now() });
      const r = await t.app.request(w.path, { method: "POST", headers: { ...w.headers, "X-Forwarded-For": ip }, body: w.body });
      expect(r.status).toBe(200);
    }
    const forged = () => t.post("/webhooks/payments/standard", { x: 1 }, { ip, headers: { "webhook-id": "m1", "webhook-timestamp": String(Math.floor(t.clock.now().getTime() / 1000)), "webhook-signature": "v1,AAAA" } });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await forged()).status);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(t.p.db.read.get<any>("SELECT COUNT(*) AS n, MAX(length(body)) AS b, MAX(headers) AS h FROM webhook_events WHERE verified = 0")).toEqual({ n: 5, b: 0, h: "{}" });
    // another IP is not affected
    expect((await t.post("/webhooks/payments/standard", { x: 1 }, { ip: freshIp() })).status).toBe(400);
  });

  test("POST /api/v1/admin/payments/{id}/resolve (finance): apply to a loan or refund", async () => {
    const tx = <T>(fn: (x: TxContext) => T) => t.p.db.tx((c) => fn(txContextOf(c, new Registry(EXTENSIONS, JOBS), t.clock)));
    const loan = t.p.db.tx((c) => seedLoan(c));
    activate({ db: t.p.db, tx, clock: t.clock }, loan.loanId, "8808600");
    const p = tx((x) => applyPayment(x, { provider: "standard", notice: { paymentId: "res-1", vaNumber: "8808-typo", amount: 110_000, currency: "IDR", paidAt: t.clock.now().toISOString() }, source: "webhook", now: t.clock.now() }));
    const q = tx((x) => applyPayment(x, { provider: "standard", notice: { paymentId: "res-2", vaNumber: "8808-typo", amount: 7_000, currency: "IDR", paidAt: t.clock.now().toISOString() }, source: "webhook", now: t.clock.now() }));
    const post = (id: string, body: unknown, key = crypto.randomUUID()) => t.post(`/api/v1/admin/payments/${id}/resolve`, body, { token: finance, headers: { "Idempotency-Key": key } });
    expect((await post(p.paymentId, {})).status).toBe(422);
    expect((await post(p.paymentId, { refund: true })).status).toBe(422); // a refund needs the transfer reference
    expect((await post("pay_nope", { loanId: loan.loanId })).status).toBe(404);
    expect((await post(p.paymentId, { loanId: "nope" })).status).toBe(404);
    const ok = await post(p.paymentId, { loanId: loan.loanId });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "applied", loanId: loan.loanId, outstandingAmount: 5_390_000, resolution: `loan:${loan.loanId}` });
    expect((await post(p.paymentId, { loanId: loan.loanId })).status).toBe(409);
    const rf = await post(q.paymentId, { refund: true, transferReference: "BNI-123" });
    expect(rf.status).toBe(200);
    expect(await rf.json()).toMatchObject({ status: "applied", reason: "refunded", resolution: "refund:BNI-123" });
    expect(checkLedger(t.p.db.read).discrepancies).toEqual([]);
  });
});

// keep the import of the extension default (its routes are mounted through EXTENSIONS)
void payments;
void processVerifiedEvent;
