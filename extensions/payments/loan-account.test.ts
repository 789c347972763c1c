// GET /api/v1/admin/loans/{id}: the staff loan account for every role — figures equal to the loan view and the
// payoff quote, personal data masked by role (phone: admin only; payout account number: finance and admin), PII
// views audited, events' actors by name.
import { expect, test } from "bun:test";
import { addDays, jakartaDate } from "../../src/runtime/index.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";
import { pay, seedLoan } from "../collections/fixtures/reference-loan.ts";
import { payoffQuote } from "./allocation.ts";
import { loadInstalments } from "./loan-balance.ts";

const URL = "/api/v1/admin/loans/A-1";
const PHONE = "+6281234567890";

/** started 20 days ago (instalments 1 and 2 past due), one instalment paid, a profile and a payout account. */
function book(t: TestApp) {
  const today = jakartaDate(t.clock.now());
  t.ctx.tx((c) => {
    seedLoan(c, { id: "A-1", startDate: addDays(today, -20), vaNumber: "880800000101", phone: PHONE });
    c.run(
      `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
         monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone, emergency_relation, emergency_consent, created_at, updated_at)
       VALUES ('u_A-1', '3171010101900001', 'Sari Wulandari', '1990-01-01', 'F', 'Jl. Merdeka 1', 'Jakarta', 'DKI Jakarta', '10110', 'employed',
         10000000, 'BCA', '1234567890', 'SARI WULANDARI', 'Budi', '+6281299999999', 'spouse', 1, ?, ?)`,
      today,
      today,
    );
    c.run(`UPDATE loans SET payout_account_json = '{"bankCode":"BNI","accountNumber":"0987654321","accountName":"SARI WULANDARI"}' WHERE id = 'A-1'`);
    c.run("INSERT INTO loan_events (loan_id, from_status, to_status, actor, reason, at) VALUES ('A-1', 'disbursing', 'active', 'system:payments', 'disbursed', ?)", today);
    pay(c, "A-1", 110_000, t.clock.now());
  });
}
const seeded = ({ app }: { app: TestApp }) => book(app);
const piiViews = (t: TestApp) =>
  t.db.read.all<{ actor_id: string; details: string }>("SELECT actor_id, details FROM audit_log WHERE event = 'pii.viewed' AND entity_type = 'loan' AND entity_id = 'A-1' AND user_id = 'u_A-1'");

scenarios("staff loan account", [
  { name: "signed out: 401", method: "GET", url: URL, beforeTest: seeded, expectedStatus: 401 },
  { name: "a borrower may not (403)", method: "GET", url: URL, asUser: "borrower", beforeTest: seeded, expectedStatus: 403 },
  { name: "an unknown loan: 404", method: "GET", url: "/api/v1/admin/loans/nope", asUser: "finance", beforeTest: seeded, expectedStatus: 404 },
  { name: "an id over 100 characters: 422", method: "GET", url: `/api/v1/admin/loans/${"x".repeat(101)}`, asUser: "analyst", beforeTest: seeded, expectedStatus: 422 },
  {
    name: "an analyst: phone and payout account number masked, nothing audited",
    method: "GET",
    url: URL,
    asUser: "analyst",
    beforeTest: seeded,
    expectedStatus: 200,
    expectedContent: {
      borrower: { userId: "u_A-1", name: "Sari Wulandari", phone: "+62812*****890" },
      payoutAccount: { bankCode: "BNI", accountNumber: "******4321", accountName: "SARI WULANDARI" },
      virtualAccount: { vaNumber: "880800000101", bankCode: "BCA" },
    },
    notExpectedContent: [PHONE, "0987654321"],
    afterTest: ({ app }) => expect(piiViews(app)).toEqual([]),
  },
  {
    name: "finance: the payout account in full for refunds (audited), the phone masked",
    method: "GET",
    url: URL,
    asUser: "finance",
    beforeTest: seeded,
    expectedStatus: 200,
    expectedContent: { borrower: { phone: "+62812*****890" }, payoutAccount: { accountNumber: "0987654321" } },
    notExpectedContent: [PHONE],
    afterTest({ app, user }) {
      const v = piiViews(app);
      expect(v.map((x) => [x.actor_id, JSON.parse(x.details)])).toEqual([[user!.id, { view: "loan account", fields: ["loan.payoutAccountNumber"] }]]);
    },
  },
  {
    name: "an admin: the phone in full",
    method: "GET",
    url: URL,
    asUser: "admin",
    beforeTest: seeded,
    expectedStatus: 200,
    expectedContent: { borrower: { phone: PHONE }, payoutAccount: { accountNumber: "0987654321" } },
    afterTest: ({ app }) => expect(JSON.parse(piiViews(app)[0].details).fields).toEqual(["borrower.phone", "loan.payoutAccountNumber"]),
  },
]);

test("staff loan account > figures equal the loan view and the payoff quote; schedule statuses derived; actors named", async () => {
  await using t = testApp();
  book(t);
  const analyst = t.staff("analyst");
  const r = await t.call("GET", URL, { as: analyst });
  const view = await t.call("GET", "/api/v1/loans/A-1", { as: analyst });
  expect([r.status, view.status]).toEqual([200, 200]);
  const q = payoffQuote(loadInstalments(t.db.read, "A-1"), 0);
  // 20 days in: instalments due on days 7 and 14 are past due; the first was paid, the second is overdue
  expect(r.body.loan).toEqual(view.body);
  expect(r.body.figures).toEqual({
    outstandingAmount: view.body.outstandingAmount,
    lateFeeOutstandingAmount: view.body.lateFeeOutstandingAmount,
    overdueAmount: 110_000,
    nextDueDate: view.body.nextDueDate,
    nextDueAmount: view.body.nextDueAmount,
    creditBalanceAmount: 0,
    payoffAmount: q.payoffAmount,
    dpd: 6,
    bucket: "dpd_1_30",
  });
  expect(r.body.figures.outstandingAmount).toBe(5_500_000 - 110_000);
  // the payoff quote counts everything left to pay: the loan's outstanding plus its late fees
  expect(q.outstanding).toBe(view.body.outstandingAmount + view.body.lateFeeOutstandingAmount);
  expect(r.body.loan.installments.slice(0, 3).map((i: any) => i.status)).toEqual(["paid", "overdue", "upcoming"]);
  expect(r.body.payments).toHaveLength(1);
  expect(r.body.payments[0]).toMatchObject({ amount: 110_000, status: "applied" });
  expect(r.body.events.find((e: any) => e.reason === "disbursed").actor).toEqual({ id: "system:payments", name: "system:payments", email: null });
});
