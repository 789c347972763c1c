// The SNAP BI virtual-account flow against a fake bank that signs and calls exactly as the standard describes
// (test/kit/fakes/snap-bank.ts): the B2B token, the VA inquiry, the payment notification applied once, X-EXTERNAL-ID
// replay and conflict, refused signatures, tokens and timestamps with SNAP codes, and the reference loan paid off
// through it with a clean ledger check.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { testApp, type TestApp } from "../../../test/kit/app.ts";
import { seedLoan } from "../../../test/kit/accepted-loan.ts";
import { FakeSnapBank, jakartaTimestamp } from "../../../test/kit/fakes/snap-bank.ts";
import { prepareDisbursement } from "../disbursements.ts";
import { applyDisbursementOutcome } from "../disbursement-outcome.ts";
import { checkLedger } from "../../ledger/ledger.ts";
import { snapCredentialProblems } from "./credentials.ts";

let t: TestApp;
let bank: FakeSnapBank;

beforeEach(() => {
  t = testApp();
  bank = new FakeSnapBank((path, init) => t.request(path, init), () => t.clock.now());
  bank.credentials(t.depot);
});
afterEach(async () => {
  await t.close();
});

/** The reference loan (50 × 110,000 weekly from the kit's start), disbursed, with its SNAP VA. */
function activeLoan() {
  const start = t.clock.now();
  const seeded = t.db.tx((c) => seedLoan(c, { startDate: start.toISOString().slice(0, 10) }));
  const prep = t.tx((tx) => prepareDisbursement(tx, seeded.loanId, start));
  if (prep.action !== "send") throw new Error(prep.reason);
  const va = `8808${String(Math.floor(Math.random() * 1e12)).padStart(12, "0")}`;
  t.db.tx((c) => c.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, name, created_at) VALUES (?, ?, 'snap', 'BRI', 'Budi Santoso', ?)", va, seeded.loanId, start.toISOString()));
  t.tx((tx) => applyDisbursementOutcome(tx, { reference: prep.request.reference, status: "succeeded", amount: prep.request.amount, completedAt: start.toISOString() }, start));
  return { ...seeded, va };
}

const paymentsOf = (loanId: string) => t.db.read.all<{ amount: number; status: string }>("SELECT amount, status FROM payments WHERE loan_id = ?", loanId);

describe("SNAP BI access token", () => {
  test("signed with the bank's private key: a 900 s BearerToken, responseCode 2007300", async () => {
    const r = await bank.token();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ responseCode: "2007300", responseMessage: "Successful", tokenType: "BearerToken", expiresIn: "900" });
    expect(r.body.accessToken).toMatch(/^snap_/);
    // stored only as a hash
    expect(t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM snap_access_tokens WHERE token_hash = ?", r.body.accessToken)?.n).toBe(0);
  });

  test("another key, another client key, a stale or malformed X-TIMESTAMP, missing headers: refused with SNAP codes", async () => {
    const forger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    expect(await bank.token({ signWith: forger })).toMatchObject({ status: 401, body: { responseCode: "4017300", responseMessage: "Unauthorized. Signature" } });
    expect(await bank.token({ clientKey: "SOMEONE-ELSE" })).toMatchObject({ status: 401, body: { responseCode: "4017300" } });
    expect(await bank.token({ timestamp: jakartaTimestamp(new Date(t.clock.now().getTime() - 6 * 60_000)) })).toMatchObject({ status: 401, body: { responseCode: "4017300" } });
    expect(await bank.token({ timestamp: "yesterday" })).toMatchObject({ status: 400, body: { responseCode: "4007301" } });
    const bare = await t.request("/snap/v1.0/access-token/b2b", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"grantType":"client_credentials"}' });
    expect(bare.status).toBe(400);
    expect(await bare.json()).toEqual({ responseCode: "4007302", responseMessage: "Invalid Mandatory Field. X-TIMESTAMP" });
    expect(bank.accessToken).toBeNull();
  });

  test("a partial or weak configuration is a start-up problem; none at all leaves the flow off (401)", async () => {
    expect(snapCredentialProblems(t.ctx)).toEqual([]);
    const env = { KREDITKU_SNAP_CLIENT_SECRET: "short" };
    expect(snapCredentialProblems(t.ctx, env).join("\n")).toContain("KREDITKU_SNAP_CLIENT_SECRET: SNAP client secret must be at least 16 characters");
    const off = testApp();
    try {
      const r = await new FakeSnapBank((p, i) => off.request(p, i), () => off.clock.now()).token();
      expect(r).toMatchObject({ status: 401, body: { responseCode: "4017300", responseMessage: "Unauthorized. SNAP BI is not configured" } });
    } finally {
      await off.close();
    }
  });
});

describe("SNAP BI virtual account inquiry and payment", () => {
  test("inquiry answers the next instalment when nothing is due, what is due once instalments fall due; unknown VA 4042412", async () => {
    const loan = activeLoan();
    await bank.token();
    const r = await bank.inquiry(loan.va);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      responseCode: "2002400",
      virtualAccountData: { virtualAccountNo: bank.vaFields(loan.va).virtualAccountNo, virtualAccountName: "Budi Santoso", totalAmount: { value: "110000.00", currency: "IDR" }, virtualAccountTrxType: "O", inquiryStatus: "00" },
    });
    // two weeks later two instalments are due
    t.clock.advance(14 * 86_400_000);
    await bank.token();
    expect((await bank.inquiry(loan.va)).body.virtualAccountData.totalAmount.value).toBe("220000.00");
    expect(await bank.inquiry("8808999999999999")).toMatchObject({ status: 404, body: { responseCode: "4042412" } });
  });

  test("a payment is applied once: replayed X-EXTERNAL-ID answers the same, another body under it is 409, a re-sent paymentRequestId moves nothing", async () => {
    const loan = activeLoan();
    await bank.token();
    const first = await bank.pay(loan.va, 110_000, { externalId: "700000000001", paymentRequestId: "pay-1" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ responseCode: "2002500", virtualAccountData: { paymentRequestId: "pay-1", paidAmount: { value: "110000.00" }, paymentFlagStatus: "00" }, additionalInfo: { status: "applied" } });
    const body = { ...bank.vaFields(loan.va), paymentRequestId: "pay-2", paidAmount: { value: "50000.00", currency: "IDR" }, trxDateTime: jakartaTimestamp(t.clock.now()) };
    const a = await bank.transact("/snap/v1.0/transfer-va/payment", body, { externalId: "700000000002" });
    const b = await bank.transact("/snap/v1.0/transfer-va/payment", body, { externalId: "700000000002" });
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
    const conflict = await bank.transact("/snap/v1.0/transfer-va/payment", { ...body, paidAmount: { value: "60000.00", currency: "IDR" } }, { externalId: "700000000002" });
    expect(conflict).toMatchObject({ status: 409, body: { responseCode: "4092500" } });
    // the same paymentRequestId under a new external id (the bank retrying): the first outcome, nothing moved again
    const resent = await bank.transact("/snap/v1.0/transfer-va/payment", body, { externalId: "700000000003" });
    expect(resent).toMatchObject({ status: 200, body: { responseCode: "2002500" } });
    // ... and with other facts: inconsistent
    const contradicting = await bank.transact("/snap/v1.0/transfer-va/payment", { ...body, paidAmount: { value: "70000.00", currency: "IDR" } }, { externalId: "700000000004" });
    expect(contradicting).toMatchObject({ status: 404, body: { responseCode: "4042518" } });
    expect(paymentsOf(loan.loanId).filter((p) => p.status === "applied").map((p) => p.amount).sort()).toEqual([110_000, 50_000].sort());
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });

  test("unknown VA payment 4042512 (nothing recorded); fractional rupiah or another currency 4042513; a missing field 4002502", async () => {
    const loan = activeLoan();
    await bank.token();
    expect(await bank.pay("8808999999999999", 110_000)).toMatchObject({ status: 404, body: { responseCode: "4042512" } });
    const base = { ...bank.vaFields(loan.va), paymentRequestId: "pay-x", trxDateTime: jakartaTimestamp(t.clock.now()) };
    expect(await bank.transact("/snap/v1.0/transfer-va/payment", { ...base, paidAmount: { value: "110000.50", currency: "IDR" } })).toMatchObject({ status: 404, body: { responseCode: "4042513" } });
    expect(await bank.transact("/snap/v1.0/transfer-va/payment", { ...base, paidAmount: { value: "110000.00", currency: "USD" } })).toMatchObject({ status: 404, body: { responseCode: "4042513" } });
    expect(await bank.transact("/snap/v1.0/transfer-va/payment", { ...bank.vaFields(loan.va), paidAmount: { value: "1.00", currency: "IDR" }, trxDateTime: "2026-03-02T10:00:00+07:00" })).toMatchObject({ status: 400, body: { responseCode: "4002502", responseMessage: "Invalid Mandatory Field. paymentRequestId" } });
    expect(t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM payments")?.n).toBe(0);
  });

  test("bad signature, rotated secret, expired or unknown token, stale timestamp, other partner: refused with SNAP codes, nothing applied", async () => {
    const loan = activeLoan();
    await bank.token();
    expect(await bank.pay(loan.va, 110_000, { secret: "not-the-shared-secret-at-all" })).toMatchObject({ status: 401, body: { responseCode: "4012500", responseMessage: "Unauthorized. Signature" } });
    expect(await bank.pay(loan.va, 110_000, { accessToken: "snap_forged" })).toMatchObject({ status: 401, body: { responseCode: "4012501", responseMessage: "Invalid Token (B2B)" } });
    expect(await bank.pay(loan.va, 110_000, { timestamp: jakartaTimestamp(new Date(t.clock.now().getTime() + 10 * 60_000)) })).toMatchObject({ status: 401, body: { responseCode: "4012500" } });
    expect(await bank.inquiry(loan.va, { partnerId: "SOMEONE" })).toMatchObject({ status: 401, body: { responseCode: "4012400" } });
    t.clock.advance(901_000);
    expect(await bank.inquiry(loan.va)).toMatchObject({ status: 401, body: { responseCode: "4012401" } });
    expect(paymentsOf(loan.loanId)).toEqual([]);
  });

  test("during rotation both client secrets (new first, old second) are accepted", async () => {
    const rotating = testApp();
    try {
      const b = new FakeSnapBank((p, i) => rotating.request(p, i), () => rotating.clock.now());
      const old = b.clientSecret;
      b.clientSecret = "snap-client-secret-NEW-0123456789";
      b.credentials(rotating.depot);
      writeFileSync(join(rotating.depot, "secrets", "snap-client-secret"), `${b.clientSecret}\n${old}\n`);
      await b.token();
      expect(await b.inquiry("8808999999999999")).toMatchObject({ status: 404, body: { responseCode: "4042412" } });
      expect(await b.inquiry("8808999999999999", { secret: old })).toMatchObject({ status: 404, body: { responseCode: "4042412" } });
      expect(await b.inquiry("8808999999999999", { secret: "snap-client-secret-OTHER-12345678" })).toMatchObject({ status: 401, body: { responseCode: "4012400" } });
    } finally {
      await rotating.close();
    }
  });

  test("the reference loan paid off through the bank: 50 inquiries and payments of 110,000, ledger check clean, then Paid Bill", async () => {
    const loan = activeLoan();
    for (let week = 1; week <= 50; week++) {
      t.clock.advance(7 * 86_400_000);
      await bank.token();
      const q = await bank.inquiry(loan.va);
      expect(q.body.virtualAccountData.totalAmount.value).toBe("110000.00");
      const p = await bank.pay(loan.va, Number(q.body.virtualAccountData.totalAmount.value.split(".")[0]));
      expect(p.body.responseCode).toBe("2002500");
    }
    expect(t.db.read.get<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status).toBe("paid_off");
    expect(paymentsOf(loan.loanId)).toHaveLength(50);
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
    expect(await bank.inquiry(loan.va)).toMatchObject({ status: 404, body: { responseCode: "4042414", responseMessage: "Paid Bill" } });
  });
});

