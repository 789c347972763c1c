// Review finding #1 (HIGH): the disbursement must go to the bank account the checks saw. The payout account is
// snapshotted onto the application at submission, copied to the loan on acceptance and read from the loan by the
// disbursement; the checked profile fields cannot change while an application is open or a loan is disbursing.
import { describe, expect, test } from "bun:test";
import { makeTestContext } from "./test-context.ts";
import { putProfile, uploadDocument } from "./routes/kyc.ts";
import { acceptOffer, cancelApplication, createApplication } from "./routes/applications.ts";
import { transitionApplication } from "./state.ts";
import { prepareDisbursement } from "../payments/money.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { jpegImage, pngImage } from "../../test/kit/images.ts";

const JPEG = jpegImage();
const PNG = pngImage();

const profileBody = (over: Record<string, unknown> = {}) => ({
  nik: "3171015501900001",
  fullName: "Siti Rahayu",
  birthDate: "1990-01-15",
  sex: "F",
  address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
  employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
  monthlyIncomeAmount: 8_000_000,
  bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
  emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
  ...over,
});
const MULE = { bankCode: "MANDIRI", accountNumber: "9999999999", accountName: "SOMEONE ELSE" };

function form(kind: string, bytes: Uint8Array) {
  const f = new FormData();
  f.set("kind", kind);
  f.set("file", new File([bytes as unknown as BlobPart], "doc.bin"));
  return f;
}

async function ready(tc: ReturnType<typeof makeTestContext>) {
  const user = tc.borrower();
  expect((await tc.call(putProfile, { user, body: profileBody() })).status).toBe(200);
  const ktp = (await tc.call(uploadDocument, { user, form: form("ktp", JPEG) })).body.id;
  const selfie = (await tc.call(uploadDocument, { user, form: form("selfie", PNG) })).body.id;
  return { user, documentIds: [ktp, selfie] };
}

const apply = (documentIds: string[]) => ({ productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha warung", documentIds, device: { id: "android-1" } });

describe("payout account snapshot (finding #1)", () => {
  test("snapshotted at submission, copied to the loan, and the disbursement pays to it", async () => {
    const tc = makeTestContext({ jobs: ["disburse", "issue-virtual-account"] });
    const { user, documentIds } = await ready(tc);
    const app = (await tc.call(createApplication, { user, body: apply(documentIds) })).body;
    const snap = tc.db.read.get<any>("SELECT payout_account_json FROM applications WHERE id = ?", app.id).payout_account_json;
    expect(JSON.parse(snap)).toEqual({ bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" });
    tc.context().tx((t) => transitionApplication(t, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto", at: tc.clock.now() }));
    // the borrower tries to redirect the payout after approval: refused
    const redirect = await tc.call(putProfile, { user, body: profileBody({ bankAccount: MULE }) });
    expect(redirect.status).toBe(409);
    expect(redirect.body).toMatchObject({ type: "https://kreditku.dev/problems/profile-locked", applicationId: app.id, applicationStatus: "approved" });
    expect(redirect.body.fields).toEqual(["bankAccount.bankCode", "bankAccount.accountNumber", "bankAccount.accountName"]);
    expect(redirect.body.detail).toContain("cannot change while application");
    const acc = await tc.call(acceptOffer, { user, params: { id: app.id } });
    expect(acc.status).toBe(201);
    const loanId = acc.body.loan.id;
    expect(JSON.parse(tc.db.read.get<any>("SELECT payout_account_json FROM loans WHERE id = ?", loanId).payout_account_json)).toEqual(JSON.parse(snap));
    // even if the profile row changes behind the route's back, the disbursement (and every retry) uses the loan's copy
    tc.db.tx((w) => w.run("UPDATE borrower_profiles SET bank_code = ?, bank_account_number = ?, bank_account_name = ? WHERE user_id = ?", MULE.bankCode, MULE.accountNumber, MULE.accountName, user.id));
    const prep = tc.context().tx((t) => prepareDisbursement(t, loanId, tc.clock.now()));
    if (prep.action !== "send") throw new Error(`expected a send, got ${JSON.stringify(prep)}`);
    expect(prep.request).toMatchObject({ bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" });
    expect(prep.payoutFallback).toBeUndefined();
  });

  test("review repro: the seeded reference loan pays to 1234567890 after a profile change; a pre-0011 loan falls back to the profile (flagged)", () => {
    const tc = makeTestContext({ jobs: ["disburse", "issue-virtual-account"] });
    const loan = tc.db.tx((c) => seedLoan(c));
    tc.db.tx((c) => c.run("UPDATE borrower_profiles SET bank_code = 'MANDIRI', bank_account_number = '9999999999', bank_account_name = 'SOMEONE ELSE' WHERE user_id = ?", loan.userId));
    const prep = tc.context().tx((t) => prepareDisbursement(t, loan.loanId, tc.clock.now()));
    if (prep.action !== "send") throw new Error("no send");
    expect(prep.request.accountNumber).toBe("1234567890");

    const legacy = tc.db.tx((c) => seedLoan(c));
    tc.db.tx((c) => c.run("UPDATE loans SET payout_account_json = NULL WHERE id = ?", legacy.loanId));
    const old = tc.context().tx((t) => prepareDisbursement(t, legacy.loanId, tc.clock.now()));
    if (old.action !== "send") throw new Error("no send");
    expect(old.request).toMatchObject({ bankCode: "BCA", accountNumber: "1234567890", accountName: "BUDI SANTOSO" });
    expect(old.payoutFallback).toBe(true);
  });

  test("profile lock: checked fields refused while an application is open or a loan disburses; other fields and closed states are free", async () => {
    const tc = makeTestContext();
    const { user, documentIds } = await ready(tc);
    const app = (await tc.call(createApplication, { user, body: apply(documentIds) })).body;
    expect(app.status).toBe("checking");
    for (const [over, field] of [
      [{ nik: "3171014501900002" }, "nik"],
      [{ birthDate: "1991-01-15" }, "birthDate"],
      [{ sex: "M" }, "sex"],
      [{ monthlyIncomeAmount: 20_000_000 }, "monthlyIncomeAmount"],
      [{ bankAccount: { ...profileBody().bankAccount, accountNumber: "5555555555" } }, "bankAccount.accountNumber"],
    ] as const) {
      const r = await tc.call(putProfile, { user, body: profileBody(over) });
      expect(r.status).toBe(409);
      expect(r.body.fields).toEqual([field]);
      expect(r.body.applicationStatus).toBe("checking");
    }
    // nothing was written
    expect(tc.db.read.get<any>("SELECT monthly_income_amount, bank_account_number FROM borrower_profiles WHERE user_id = ?", user.id)).toEqual({ monthly_income_amount: 8_000_000, bank_account_number: "1234567890" });
    // unchecked fields (address, employment, emergency contact) may change; re-sending the same checked values is fine
    const moved = await tc.call(putProfile, { user, body: profileBody({ address: { line: "Jl. Baru 2", city: "Bandung", province: "Jawa Barat", postalCode: "40111" } }) });
    expect(moved.status).toBe(200);
    expect(moved.body.address.city).toBe("Bandung");
    // once the application is closed the borrower may change everything
    expect((await tc.call(cancelApplication, { user, params: { id: app.id }, body: {} })).status).toBe(200);
    expect((await tc.call(putProfile, { user, body: profileBody({ bankAccount: { bankCode: "BNI", accountNumber: "5555555555", accountName: "SITI RAHAYU" } }) })).status).toBe(200);
    // a loan still disbursing locks it too (even with its application no longer open, e.g. rows from before the lock)
    const seeded = tc.db.tx((c) => seedLoan(c));
    tc.db.tx((c) => c.run("UPDATE applications SET status = 'cancelled' WHERE id = ?", seeded.applicationId));
    const other = { id: seeded.userId, role: "borrower" as const };
    const body = profileBody({ nik: "3171010101900001", fullName: "Budi Santoso", birthDate: "1990-01-01", sex: "M", monthlyIncomeAmount: 10_000_000, bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "BUDI SANTOSO" } });
    expect((await tc.call(putProfile, { user: other, body })).status).toBe(200);
    const locked = await tc.call(putProfile, { user: other, body: { ...body, bankAccount: MULE } });
    expect(locked.status).toBe(409);
    expect(locked.body.loanId).toBe(seeded.loanId);
    tc.db.tx((c) => c.run("UPDATE loans SET status = 'active' WHERE id = ?", seeded.loanId));
    expect((await tc.call(putProfile, { user: other, body: { ...body, bankAccount: MULE } })).status).toBe(200);
  });
});
