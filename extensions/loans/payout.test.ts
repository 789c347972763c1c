// The disbursement must go to the bank account the checks saw. The payout account is snapshotted onto the
// application at submission, copied to the loan on acceptance and read from the loan by the disbursement; the
// checked profile fields cannot change while an application is open or a loan is disbursing. Through the real app.
import { describe, expect, test } from "bun:test";
import { transitionApplication } from "./state.ts";
import { prepareDisbursement } from "../payments/disbursements.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { testApp } from "../../test/kit/app.ts";
import { profileBody, readyBorrower as ready } from "./fixtures/applicant.ts";

const MULE = { bankCode: "MANDIRI", accountNumber: "9999999999", accountName: "SOMEONE ELSE" };

const apply = (documentIds: string[]) => ({ productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha warung", documentIds, device: { id: "android-1" } });

describe("payout account snapshot", () => {
  test("snapshotted at submission, copied to the loan, and the disbursement pays to it", async () => {
    await using t = testApp();
    const { user, documentIds } = await ready(t);
    const app = (await t.call("POST", "/api/v1/applications", { as: user, body: apply(documentIds) })).body;
    const snap = t.db.read.get<any>("SELECT payout_account_json FROM applications WHERE id = ?", app.id).payout_account_json;
    expect(JSON.parse(snap)).toEqual({ bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" });
    t.tx((x) => transitionApplication(x, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto", at: t.clock.now() }));
    // the borrower tries to redirect the payout after approval: refused
    const redirect = await t.call("PUT", "/api/v1/me/profile", { as: user, body: profileBody({ bankAccount: MULE }) });
    expect(redirect.status).toBe(409);
    expect(redirect.body).toMatchObject({ type: "https://kreditku.dev/problems/profile-locked", applicationId: app.id, applicationStatus: "approved" });
    expect(redirect.body.fields).toEqual(["bankAccount.bankCode", "bankAccount.accountNumber", "bankAccount.accountName"]);
    expect(redirect.body.detail).toContain("cannot change while application");
    const acc = await t.call("POST", `/api/v1/applications/${app.id}/accept`, { as: user });
    expect(acc.status).toBe(201);
    const loanId = acc.body.loan.id;
    expect(JSON.parse(t.db.read.get<any>("SELECT payout_account_json FROM loans WHERE id = ?", loanId).payout_account_json)).toEqual(JSON.parse(snap));
    // even if the profile row changes behind the route's back, the disbursement (and every retry) uses the loan's copy
    t.db.tx((w) => w.run("UPDATE borrower_profiles SET bank_code = ?, bank_account_number = ?, bank_account_name = ? WHERE user_id = ?", MULE.bankCode, MULE.accountNumber, MULE.accountName, user.id));
    const prep = t.tx((x) => prepareDisbursement(x, loanId, t.clock.now()));
    if (prep.action !== "send") throw new Error(`expected a send, got ${JSON.stringify(prep)}`);
    expect(prep.request).toMatchObject({ bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" });
    expect(prep.payoutFallback).toBeUndefined();
  });

  test("the seeded reference loan pays to 1234567890 after a profile change; a pre-0011 loan falls back to the profile (flagged)", async () => {
    await using t = testApp();
    const loan = t.db.tx((c) => seedLoan(c));
    t.db.tx((c) => c.run("UPDATE borrower_profiles SET bank_code = 'MANDIRI', bank_account_number = '9999999999', bank_account_name = 'SOMEONE ELSE' WHERE user_id = ?", loan.userId));
    const prep = t.tx((x) => prepareDisbursement(x, loan.loanId, t.clock.now()));
    if (prep.action !== "send") throw new Error("no send");
    expect(prep.request.accountNumber).toBe("1234567890");

    const legacy = t.db.tx((c) => seedLoan(c));
    t.db.tx((c) => c.run("UPDATE loans SET payout_account_json = NULL WHERE id = ?", legacy.loanId));
    const old = t.tx((x) => prepareDisbursement(x, legacy.loanId, t.clock.now()));
    if (old.action !== "send") throw new Error("no send");
    expect(old.request).toMatchObject({ bankCode: "BCA", accountNumber: "1234567890", accountName: "BUDI SANTOSO" });
    expect(old.payoutFallback).toBe(true);
  });

  test("profile lock: checked fields refused while an application is open or a loan disburses; other fields and closed states are free", async () => {
    await using t = testApp();
    const { user, documentIds } = await ready(t);
    const app = (await t.call("POST", "/api/v1/applications", { as: user, body: apply(documentIds) })).body;
    expect(app.status).toBe("checking");
    for (const [over, field] of [
      [{ nik: "3171014501900002" }, "nik"],
      [{ birthDate: "1991-01-15" }, "birthDate"],
      [{ sex: "M" }, "sex"],
      [{ monthlyIncomeAmount: 20_000_000 }, "monthlyIncomeAmount"],
      [{ bankAccount: { ...profileBody().bankAccount, accountNumber: "5555555555" } }, "bankAccount.accountNumber"],
    ] as const) {
      const r = await t.call("PUT", "/api/v1/me/profile", { as: user, body: profileBody(over) });
      expect(r.status).toBe(409);
      expect(r.body.fields).toEqual([field]);
      expect(r.body.applicationStatus).toBe("checking");
    }
    // nothing was written
    expect(t.db.read.get<any>("SELECT monthly_income_amount, bank_account_number FROM borrower_profiles WHERE user_id = ?", user.id)).toEqual({ monthly_income_amount: 8_000_000, bank_account_number: "1234567890" });
    // unchecked fields (address, employment, emergency contact) may change; re-sending the same checked values is fine
    const moved = await t.call("PUT", "/api/v1/me/profile", { as: user, body: profileBody({ address: { line: "Jl. Baru 2", city: "Bandung", province: "Jawa Barat", postalCode: "40111" } }) });
    expect(moved.status).toBe(200);
    expect(moved.body.address.city).toBe("Bandung");
    // once the application is closed the borrower may change everything
    expect((await t.call("POST", `/api/v1/applications/${app.id}/cancel`, { as: user, body: {} })).status).toBe(200);
    expect((await t.call("PUT", "/api/v1/me/profile", { as: user, body: profileBody({ bankAccount: { bankCode: "BNI", accountNumber: "5555555555", accountName: "SITI RAHAYU" } }) })).status).toBe(200);
    // a loan still disbursing locks it too (even with its application no longer open, e.g. rows from before the lock)
    const seeded = t.db.tx((c) => seedLoan(c));
    t.db.tx((c) => c.run("UPDATE applications SET status = 'cancelled' WHERE id = ?", seeded.applicationId));
    const other = t.sessionFor(seeded.userId);
    const body = profileBody({ nik: "3171010101900001", fullName: "Budi Santoso", birthDate: "1990-01-01", sex: "M", monthlyIncomeAmount: 10_000_000, bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "BUDI SANTOSO" } });
    expect((await t.call("PUT", "/api/v1/me/profile", { as: other, body: body })).status).toBe(200);
    const locked = await t.call("PUT", "/api/v1/me/profile", { as: other, body: { ...body, bankAccount: MULE } });
    expect(locked.status).toBe(409);
    expect(locked.body.loanId).toBe(seeded.loanId);
    t.db.tx((c) => c.run("UPDATE loans SET status = 'active' WHERE id = ?", seeded.loanId));
    expect((await t.call("PUT", "/api/v1/me/profile", { as: other, body: { ...body, bankAccount: MULE } })).status).toBe(200);
  });
});
