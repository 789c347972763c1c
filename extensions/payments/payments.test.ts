// Payments + ledger on a fresh depot with every migration and the real runtime tx context (test/kit).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { allocate, payoffQuote, totalOutstanding, type InstalmentState } from "./allocation.ts";
import { signSnap, snapTimestamp, verifyWebhook, parsePaymentNotice } from "./verify.ts";
import { signedWebhook, paymentPayload } from "./sandbox.ts";
import { applyDisbursementOutcome } from "./disbursement-outcome.ts";
import { applyPayment } from "./repayments.ts";
import { loadInstalments, loadLoan } from "./loan-balance.ts";
import { prepareDisbursement, disbursementReference } from "./disbursements.ts";
import { refundCredit } from "./credit.ts";
import { processVerifiedEvent } from "./events.ts";
import { checkLedger, postJournal, trialBalance, LedgerError } from "../ledger/ledger.ts";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

type Env = TestApp;

function activate(env: Env, loanId: string, at = "2026-03-02T03:00:00Z") {
  const prep = env.tx((t) => prepareDisbursement(t, loanId, new Date(at)));
  if (prep.action !== "send") throw new Error(prep.reason);
  env.db.tx((c) => c.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, created_at) VALUES (?, ?, 'standard', 'BNI', ?)", `8808${loanId.slice(0, 8)}`, loanId, at));
  const r = env.tx((t) => applyDisbursementOutcome(t, { reference: prep.request.reference, status: "succeeded", amount: prep.request.amount, completedAt: at }, new Date(at)));
  return { prep, r, va: `8808${loanId.slice(0, 8)}` };
}

const pay = (env: Env, va: string, amount: number, id = crypto.randomUUID()) =>
  env.tx((t) => applyPayment(t, { provider: "standard", notice: { paymentId: id, vaNumber: va, amount, currency: "IDR", paidAt: new Date().toISOString() }, source: "webhook", now: env.clock.now() }));

describe("webhook verification", () => {
  const now = new Date();
  const body = JSON.stringify(paymentPayload("standard", { paymentId: "p1", vaNumber: "8808000000000001", amount: 110000, currency: "IDR", paidAt: now.toISOString() }));

  test("standard: signed by the standardwebhooks package verifies; forged, stale and rotated secrets", () => {
    const wh = new Webhook(SECRET);
    const id = "msg_1";
    const sig = wh.sign(id, now, body);
    const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": sig };
    const ok = verifyWebhook({ provider: "standard", method: "POST", path: "/x", headers, rawBody: body, secrets: [SECRET], now });
    expect(ok.ok).toBe(true);
    // rotation: the old secret second
    expect(verifyWebhook({ provider: "standard", method: "POST", path: "/x", headers, rawBody: body, secrets: ["whsec_" + Buffer.from("other-secret-other-secret-123456").toString("base64"), SECRET], now }).ok).toBe(true);
    // our signer agrees with the package's verifier
    const ours = signedWebhook("standard", SECRET, "payment", JSON.parse(body), { eventId: "msg_2", now });
    expect(() => wh.verify(ours.body, ours.headers)).not.toThrow();
    const forged = verifyWebhook({ provider: "standard", method: "POST", path: "/x", headers, rawBody: body.replace("110000", "990000"), secrets: [SECRET], now });
    expect(forged).toMatchObject({ ok: false, reason: "bad_signature" });
    const stale = verifyWebhook({ provider: "standard", method: "POST", path: "/x", headers, rawBody: body, secrets: [SECRET], now: new Date(now.getTime() + 6 * 60_000) });
    expect(stale).toMatchObject({ ok: false, reason: "stale_timestamp" });
    expect(verifyWebhook({ provider: "standard", method: "POST", path: "/x", headers: {}, rawBody: body, secrets: [SECRET], now })).toMatchObject({ ok: false, reason: "missing_headers" });
    expect(verifyWebhook({ provider: "standard", method: "POST", path: "/x", headers, rawBody: body, secrets: [], now })).toMatchObject({ ok: false, reason: "no_secret" });
  });

  test("snap: HMAC-SHA512 over METHOD:path:sha256(minified body):timestamp; event id is day + external id", () => {
    const snapBody = JSON.stringify(paymentPayload("snap", { paymentId: "p9", vaNumber: "8808000000000001", amount: 110000, currency: "IDR", paidAt: now.toISOString() }), null, 2);
    const ts = snapTimestamp(now);
    const path = "/webhooks/payments/snap";
    const headers = { "x-timestamp": ts, "x-signature": signSnap("snap-secret", "POST", path, snapBody, ts), "x-external-id": "12345" };
    const r = verifyWebhook({ provider: "snap", method: "POST", path, headers, rawBody: snapBody, secrets: ["snap-secret"], now });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.eventId).toBe(`${ts.slice(0, 10)}:12345`);
      expect(parsePaymentNotice("snap", r.body)).toMatchObject({ paymentId: "p9", amount: 110000, currency: "IDR" });
    }
    expect(verifyWebhook({ provider: "snap", method: "POST", path: "/webhooks/payments/other", headers, rawBody: snapBody, secrets: ["snap-secret"], now })).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  test("xendit: callback token, dedupe on payment_id", () => {
    const xb = JSON.stringify(paymentPayload("xendit", { paymentId: "p7", vaNumber: "8808000000000001", amount: 50000, currency: "IDR", paidAt: now.toISOString() }));
    const r = verifyWebhook({ provider: "xendit", method: "POST", path: "/", headers: { "x-callback-token": "tok" }, rawBody: xb, secrets: ["tok"], now });
    expect(r).toMatchObject({ ok: true, eventId: "payment:p7" });
    expect(verifyWebhook({ provider: "xendit", method: "POST", path: "/", headers: { "x-callback-token": "tak" }, rawBody: xb, secrets: ["tok"], now })).toMatchObject({ ok: false, reason: "bad_signature" });
  });
});

describe("allocation", () => {
  const inst = (n: number, amt = { p: 100_000, i: 10_000 }): InstalmentState[] =>
    Array.from({ length: n }, (_, k) => ({ id: `i${k + 1}`, seq: k + 1, dueDate: `2026-01-${String(k + 1).padStart(2, "0")}`, principalDue: amt.p, interestDue: amt.i, feeDue: 0, lateFeeDue: 0, principalPaid: 0, interestPaid: 0, feePaid: 0, lateFeePaid: 0 }));

  test("late fees → fees → interest → principal, oldest first; partial kept", () => {
    const list = inst(3);
    list[0].lateFeeDue = 5_000;
    list[0].feeDue = 1_000;
    const a = allocate(130_000, list);
    expect(a.lines[0]).toMatchObject({ seq: 1, lateFee: 5_000, fee: 1_000, interest: 10_000, principal: 100_000, settled: true });
    expect(a.lines[1]).toMatchObject({ seq: 2, lateFee: 0, fee: 0, interest: 10_000, principal: 4_000, settled: false });
    expect(a.toCredit).toBe(0);
    expect(a.paidOff).toBe(false);
  });

  test("properties: conservation, never over-pays a component, credit only after payoff", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 5_000 })), { minLength: 1, maxLength: 12 }), (amount, parts) => {
        const list: InstalmentState[] = parts.map(([p, i, f, l], k) => ({ id: `i${k}`, seq: k + 1, dueDate: `2026-02-${String(k + 1).padStart(2, "0")}`, principalDue: p, interestDue: i, feeDue: f, lateFeeDue: l, principalPaid: 0, interestPaid: 0, feePaid: 0, lateFeePaid: 0 }));
        const a = allocate(amount, list);
        const used = a.totals.lateFee + a.totals.fee + a.totals.interest + a.totals.principal;
        expect(used + a.toCredit).toBe(amount);
        expect(used).toBe(Math.min(amount, totalOutstanding(list)));
        expect(a.toCredit > 0).toBe(amount > totalOutstanding(list));
        for (const l of a.lines) {
          const src = list.find((x) => x.id === l.id)!;
          expect(l.principal <= src.principalDue && l.interest <= src.interestDue && l.fee <= src.feeDue && l.lateFee <= src.lateFeeDue).toBe(true);
        }
        expect(payoffQuote(list, 0).payoffAmount).toBe(totalOutstanding(list));
      }),
      { numRuns: 300 },
    );
  });

  test("refuses fractional or negative amounts", () => {
    expect(() => allocate(10.5, inst(1))).toThrow();
    expect(() => allocate(-1, inst(1))).toThrow();
  });
});

describe("ledger", () => {
  test("postJournal refuses unbalanced and non-integer entries; idempotent on (kind, ref)", async () => {
    await using env = testApp();
    expect(() => env.tx((t) => postJournal(t, { kind: "x", ref: "1", lines: [{ account: "cash", debit: 100 }, { account: "funding", credit: 99 }] }))).toThrow(LedgerError);
    expect(() => env.tx((t) => postJournal(t, { kind: "x", ref: "1", lines: [{ account: "cash", debit: 100.5 }, { account: "funding", credit: 100.5 }] }))).toThrow(LedgerError);
    expect(() => env.tx((t) => postJournal(t, { kind: "x", ref: "1", lines: [{ account: "nope" as any, debit: 1 }, { account: "funding", credit: 1 }] }))).toThrow(LedgerError);
    const a = env.tx((t) => postJournal(t, { kind: "x", ref: "1", lines: [{ account: "cash", debit: 100 }, { account: "funding", credit: 100 }] }));
    const b = env.tx((t) => postJournal(t, { kind: "x", ref: "1", lines: [{ account: "cash", debit: 100 }, { account: "funding", credit: 100 }] }));
    expect(b).toEqual({ id: a.id, created: false });
    expect(trialBalance(env.db.read).balanced).toBe(true);
    // a tampered line is found by the check
    env.db.writer.run("UPDATE ledger_lines SET debit = 101 WHERE account = 'cash'");
    expect(checkLedger(env.db.read).discrepancies[0].kind).toBe("unbalanced_journal");
  });
});

describe("money movement on the reference loan", () => {
  test("disburse → activate (dates from disbursement) → pay one → outstanding 5,390,000", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c, { startDate: "2026-01-01" }));
    const { r, prep, va } = activate(env, loan.loanId, "2026-03-02T03:00:00Z");
    expect(prep.request.amount).toBe(5_000_000);
    expect(r).toMatchObject({ status: "applied", disbursementStatus: "succeeded", loanStatus: "active" });
    const inst = loadInstalments(env.db.read, loan.loanId);
    expect(inst[0].dueDate).toBe("2026-03-09");
    expect(inst[49].dueDate).toBe("2027-02-15");
    expect(totalOutstanding(inst)).toBe(5_500_000);
    const p = pay(env, va, 110_000);
    expect(p).toMatchObject({ status: "applied", outstandingAmount: 5_390_000, allocation: { interestAmount: 10_000, principalAmount: 100_000, installments: [1] } });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    // exactly one disbursement per loan, ever
    expect(() => env.db.tx((c) => c.run("INSERT INTO disbursements (id, loan_id, principal, fee_amount, net_amount, status, created_at, updated_at) VALUES ('d2', ?, 1, 0, 1, 'queued', '', '')", loan.loanId))).toThrow();
  });

  test("one payment crossing several instalments, partial kept, overpayment → credit → refund, payoff closes", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    const { va } = activate(env, loan.loanId);
    const p1 = pay(env, va, 3 * 110_000 + 55_000);
    expect(p1.allocation!.installments).toEqual([1, 2, 3, 4]);
    const i4 = loadInstalments(env.db.read, loan.loanId)[3];
    expect(i4).toMatchObject({ interestPaid: 10_000, principalPaid: 45_000 });
    expect(p1.outstandingAmount).toBe(5_500_000 - 385_000);
    const rest = p1.outstandingAmount!;
    const p2 = pay(env, va, rest + 25_000);
    expect(p2).toMatchObject({ status: "applied", loanStatus: "paid_off", outstandingAmount: 0, creditBalanceAmount: 25_000, allocation: { creditAmount: 25_000 } });
    expect(loadLoan(env.db.read, loan.loanId)!.status).toBe("paid_off");
    expect(env.db.read.get<{ status: string }>("SELECT status FROM applications WHERE id = ?", loan.applicationId)!.status).toBe("paid_off");
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    const bad = env.tx((t) => refundCredit(t, { loanId: loan.loanId, amount: 25_001, transferReference: "TRF-1", by: "u", now: new Date() }));
    expect(bad.ok).toBe(false);
    const ok = env.tx((t) => refundCredit(t, { loanId: loan.loanId, amount: 25_000, transferReference: "TRF-1", by: "u", now: new Date() }));
    expect(ok).toMatchObject({ ok: true, creditBalanceAmount: 0 });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    // a payment after payoff is kept as credit, never lost
    expect(pay(env, va, 1_000)).toMatchObject({ status: "applied", creditBalanceAmount: 1_000, allocation: { creditAmount: 1_000 } });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("out of order: payment before the disbursement settles is held, then applied at activation", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    const prep = env.tx((t) => prepareDisbursement(t, loan.loanId, new Date()));
    if (prep.action !== "send") throw new Error("no send");
    env.db.tx((c) => c.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, created_at) VALUES ('8808111', ?, 'standard', 'BNI', '')", loan.loanId));
    const early = pay(env, "8808111", 110_000);
    expect(early).toMatchObject({ status: "pending", creditBalanceAmount: 110_000 });
    env.tx((t) => applyDisbursementOutcome(t, { reference: prep.request.reference, status: "succeeded", amount: 5_000_000, completedAt: new Date().toISOString() }, new Date()));
    const l = loadLoan(env.db.read, loan.loanId)!;
    expect(l).toMatchObject({ status: "active", credit_balance_amount: 0 });
    expect(totalOutstanding(loadInstalments(env.db.read, loan.loanId))).toBe(5_390_000);
    expect(env.db.read.get<{ status: string }>("SELECT status FROM payments")!.status).toBe("applied");
    // a late failure for the same (settled) attempt does not undo it: needs_attention, nothing guessed
    const late = env.tx((t) => applyDisbursementOutcome(t, { reference: prep.request.reference, status: "failed", amount: 5_000_000, completedAt: new Date().toISOString() }, new Date()));
    expect(late.status).toBe("needs_attention");
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("disbursement failure retries (new attempt, journal reversed) then needs_attention; amount mismatch is not guessed", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    for (let attempt = 1; attempt <= 3; attempt++) {
      const prep = env.tx((t) => prepareDisbursement(t, loan.loanId, new Date()));
      expect(prep).toMatchObject({ action: "send", attempt });
      if (prep.action !== "send") return;
      const r = env.tx((t) => applyDisbursementOutcome(t, { reference: prep.request.reference, status: "failed", amount: 5_000_000, completedAt: new Date().toISOString(), failureCode: "X" }, new Date()));
      expect(r.disbursementStatus).toBe(attempt < 3 ? "queued" : "needs_attention");
    }
    expect(env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE name = 'disburse'")!.n).toBe(2);
    expect(env.tx((t) => prepareDisbursement(t, loan.loanId, new Date()))).toMatchObject({ action: "skip" });
    const cash = trialBalance(env.db.read).accounts.find((a) => a.account === "cash")!;
    expect(cash.balance).toBe(0);

    const loan2 = env.db.tx((c) => seedLoan(c));
    const prep2 = env.tx((t) => prepareDisbursement(t, loan2.loanId, new Date()));
    if (prep2.action !== "send") return;
    expect(prep2.request.reference).toBe(disbursementReference(prep2.disbursementId, 1));
    const mm = env.tx((t) => applyDisbursementOutcome(t, { reference: prep2.request.reference, status: "succeeded", amount: 4_999_999, completedAt: new Date().toISOString() }, new Date()));
    expect(mm).toMatchObject({ status: "needs_attention" });
    expect(loadLoan(env.db.read, loan2.loanId)!.status).toBe("disbursing");

    // settled, then the success reported again: the same amount is a duplicate; another amount is not guessed either
    const loan3 = env.db.tx((c) => seedLoan(c));
    const prep3 = env.tx((t) => prepareDisbursement(t, loan3.loanId, new Date()));
    if (prep3.action !== "send") return;
    const settle = (amount: number) => env.tx((t) => applyDisbursementOutcome(t, { reference: prep3.request.reference, status: "succeeded", amount, completedAt: new Date().toISOString() }, new Date()));
    expect(settle(prep3.request.amount)).toMatchObject({ status: "applied", disbursementStatus: "succeeded" });
    expect(settle(prep3.request.amount)).toMatchObject({ status: "ignored", reason: "already_settled" });
    const journals = env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n;
    expect(settle(prep3.request.amount + 4_000_000)).toMatchObject({ status: "needs_attention", reason: `amount_mismatch: settled ${prep3.request.amount}, reported again as ${prep3.request.amount + 4_000_000}` });
    expect(env.db.read.get<{ status: string }>("SELECT status FROM disbursements WHERE id = ?", prep3.disbursementId)!.status).toBe("needs_attention");
    expect(env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n).toBe(journals); // nothing posted
    expect(loadLoan(env.db.read, loan3.loanId)!.status).toBe("active");
  });

  test("unknown VA → needs_attention, held in suspense (Dr cash / Cr unapplied_cash); foreign currency → nothing posted", async () => {
    await using env = testApp();
    expect(pay(env, "0000", 5_000)).toMatchObject({ status: "needs_attention", reason: "unknown_virtual_account" });
    const tb = () => Object.fromEntries(trialBalance(env.db.read).accounts.map((a) => [a.account, a.balance]));
    expect(tb()).toMatchObject({ cash: 5_000, unapplied_cash: 5_000 });
    const loan = env.db.tx((c) => seedLoan(c));
    const { va } = activate(env, loan.loanId);
    const usd = env.tx((t) => applyPayment(t, { provider: "standard", notice: { paymentId: "usd-1", vaNumber: va, amount: 7, currency: "USD", paidAt: new Date().toISOString() }, source: "webhook", now: env.clock.now() }));
    expect(usd).toMatchObject({ status: "needs_attention", reason: "currency_mismatch" });
    expect(env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE ref = ?", usd.paymentId)!.n).toBe(0);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("the same event processed 50 times has one effect", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    const { va } = activate(env, loan.loanId);
    const body = paymentPayload("standard", { paymentId: "dup-1", vaNumber: va, amount: 110_000, currency: "IDR", paidAt: new Date().toISOString() });
    const outs = Array.from({ length: 50 }, () => env.tx((t) => processVerifiedEvent(t, { provider: "standard", kind: "payment", eventId: "msg_dup", body, rawBody: JSON.stringify(body), headers: {}, now: new Date() })));
    expect(outs.filter((o) => !o.duplicate).length).toBe(1);
    expect(new Set(outs.map((o) => JSON.stringify(o.result))).size).toBe(1);
    expect(env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM payments")!.n).toBe(1);
    expect(totalOutstanding(loadInstalments(env.db.read, loan.loanId))).toBe(5_390_000);
  });
});
