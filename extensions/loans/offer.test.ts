// The offer is re-checked against the borrower rules when the borrower accepts it (on the accept date, current
// profile); an analyst's approval defaults to scoring's income-fitted offer and any amount or tenor the analyst sets
// is checked against the income ratio; every approval lapses (7 days by default). Through the real app.
import { describe, expect, test } from "bun:test";
import { transitionApplication } from "./state.ts";
import { buildSchedule, monthlyEquivalent } from "./schedule.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { profileBody, readyBorrower as ready } from "./fixtures/applicant.ts";

const apply = (documentIds: string[], over: Record<string, unknown> = {}) => ({
  productId: "prod_reference_weekly",
  principalAmount: 5_000_000,
  tenor: 50,
  purpose: "Modal usaha warung",
  documentIds,
  device: { id: "android-1" },
  ...over,
});

const monthlyOf = (principal: number, tenor: number) =>
  monthlyEquivalent(buildSchedule({ principal, tenor, tenorUnit: "weeks", method: "flat", ratePpm: 2000 }, "2026-03-02", { apr: false }), "weeks");

/** An application in manual_review for a borrower earning 1,000,000 a month, with scoring's lowered offer stored. */
function manualReview(t: TestApp, scoredOffer: number | null) {
  const user = t.borrower();
  const now = t.clock.now().toISOString();
  const appId = Bun.randomUUIDv7();
  t.db.tx((c) => {
    const p = profileBody({ monthlyIncomeAmount: 1_000_000 });
    c.run(
      `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status, monthly_income_amount,
         bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone, emergency_relation, emergency_consent, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'Jl. Merdeka 1', 'Jakarta', 'DKI Jakarta', '10110', 'employed', ?, 'BCA', '1234567890', 'SITI RAHAYU', 'Budi', '+6281234567890', 'sibling', 1, ?, ?)`,
      user.id, p.nik, p.fullName, p.birthDate, p.sex, p.monthlyIncomeAmount, now, now,
    );
    c.run(
      `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, created_at, updated_at)
       VALUES (?, ?, 'prod_reference_weekly', 'manual_review', 5000000, 50, 'weeks', 'x', 110000, ?, ?)`,
      appId, user.id, now, now,
    );
    if (scoredOffer !== null) {
      c.run(
        `INSERT INTO score_decisions (application_id, model_version, score, pd, reasons_json, snapshot_json, scored_at, decision, offer_json, decision_note, decided_at)
         VALUES (?, 'kreditku-retail-v1', 590, 0.05, '[]', '{}', ?, 'manual_review', ?, 'grey zone', ?)`,
        appId, now,
        JSON.stringify({ principalAmount: scoredOffer, monthlyInstalmentAmount: monthlyOf(scoredOffer, 50), maxMonthlyInstalmentAmount: 300_000, incomeRatio: 0.3, lowered: true, requestedAmount: 5_000_000 }),
        now,
      );
    }
  });
  return { user, appId };
}

const offerOf = (t: TestApp, id: string) => JSON.parse(t.db.read.get<any>("SELECT offer_json FROM applications WHERE id = ?", id).offer_json ?? "null");
const statusOf = (t: TestApp, id: string) => t.db.read.get<any>("SELECT status FROM applications WHERE id = ?", id).status;

describe("analyst decision", () => {
  test("approving with only {decision, note} (what the admin UI sends) keeps scoring's income-fitted offer", async () => {
    await using t = testApp();
    const analyst = t.staff("analyst");
    const { appId } = manualReview(t, 3_150_000);
    const res = await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "looks fine" } });
    expect(res.status).toBe(200);
    const offer = offerOf(t, appId);
    expect(offer).toMatchObject({ principalAmount: 3_150_000, tenor: 50, note: "amount lowered to fit the income rule" });
    const monthly = monthlyOf(offer.principalAmount, offer.tenor);
    expect(monthly).toBeLessThanOrEqual(300_000);
    // and it lapses 7 days after the decision
    expect(offer.expiresAt).toBe(new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString());
  });

  test("an analyst-supplied amount or tenor that breaks the income ratio is refused with 422 and reasons; one that fits is kept", async () => {
    await using t = testApp();
    const analyst = t.staff("analyst");
    const { appId } = manualReview(t, 3_150_000);
    const big = await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "payslip ok", offer: { principalAmount: 5_000_000 } } });
    expect(big.status).toBe(422);
    expect(big.body.type).toBe("https://kreditku.dev/problems/offer-refused");
    expect(big.body.reasons).toEqual([expect.objectContaining({ code: "income_ratio_exceeded", monthlyEquivalentAmount: 471_429, maxRatioPpm: 300_000, effectiveFrom: "2026-01-01" })]);
    expect(statusOf(t, appId)).toBe("manual_review");
    expect(offerOf(t, appId)).toBeNull();
    // scoring's amount over a shorter tenor: a larger instalment
    const short = await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "payslip ok", offer: { tenor: 10 } } });
    expect(short.status).toBe(422);
    expect(short.body.reasons[0].code).toBe("income_ratio_exceeded");
    expect(statusOf(t, appId)).toBe("manual_review");
    const fits = await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "payslip ok", offer: { principalAmount: 2_000_000, tenor: 40, expiresAt: "2026-03-05T00:00:00.000Z" } } });
    expect(fits.status).toBe(200);
    expect(fits.body.offer).toEqual({ principalAmount: 2_000_000, tenor: 40, expiresAt: "2026-03-05T00:00:00.000Z" });
  });

  test("without a stored score the requested amount is the default, and it is checked too", async () => {
    await using t = testApp();
    const analyst = t.staff("analyst");
    const { appId } = manualReview(t, null);
    const res = await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "looks fine" } });
    expect(res.status).toBe(422);
    expect(res.body.reasons[0].code).toBe("income_ratio_exceeded");
    expect((await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "reject", note: "cannot afford it" } })).body.status).toBe("rejected");
  });
});

describe("offer expiry set by staff", () => {
  test("an expiresAt already past (or now) is refused with 422 naming offer.expiresAt; nothing is approved", async () => {
    await using t = testApp();
    const analyst = t.staff("analyst");
    const { appId } = manualReview(t, 3_150_000);
    const now = t.clock.now().getTime();
    for (const expiresAt of [new Date(now - 86_400_000).toISOString(), "2020-01-01T00:00:00Z", new Date(now).toISOString()]) {
      const res = await t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "payslip ok", offer: { expiresAt } } });
      expect(res.status).toBe(422);
      expect(res.body.type).toBe("https://kreditku.dev/problems/validation-error");
      expect(res.body.errors).toEqual([{ path: "offer.expiresAt", message: expect.stringContaining("after the decision") }]);
      expect(statusOf(t, appId)).toBe("manual_review");
      expect(offerOf(t, appId)).toBeNull();
    }
    // the borrower never gets to accept it: the application is still waiting for a decision
    expect(t.db.read.get<any>("SELECT COUNT(*) AS n FROM application_events WHERE application_id = ? AND to_status = 'approved'", appId).n).toBe(0);
  });

  test("an expiresAt beyond the 7-day offer validity, or not an ISO-8601 instant, is refused; within it is kept", async () => {
    await using t = testApp();
    const analyst = t.staff("analyst");
    const { appId } = manualReview(t, 3_150_000);
    const now = t.clock.now().getTime();
    const decide = (expiresAt: string) => t.call("POST", `/api/v1/admin/applications/${appId}/decision`, { as: analyst, body: { decision: "approve", note: "payslip ok", offer: { expiresAt } } });
    const tooLate = await decide(new Date(now + 7 * 86_400_000 + 1000).toISOString());
    expect(tooLate.status).toBe(422);
    expect(tooLate.body.errors).toEqual([{ path: "offer.expiresAt", message: expect.stringContaining("at most 7 days") }]);
    const farFuture = await decide("2099-12-31T00:00:00Z");
    expect(farFuture.status).toBe(422);
    for (const notIso of ["March 5, 2026", "2026-03-05", "1772668800000"]) {
      const r = await decide(notIso);
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual([{ path: "offer.expiresAt", message: expect.stringContaining("ISO-8601") }]);
    }
    expect(statusOf(t, appId)).toBe("manual_review");
    const lastDay = new Date(now + 7 * 86_400_000).toISOString();
    const ok = await decide(lastDay);
    expect(ok.status).toBe(200);
    expect(ok.body.offer).toMatchObject({ principalAmount: 3_150_000, expiresAt: lastDay });
  });
});

describe("accept re-checks the offer", () => {
  test("an offer approved under the 40 % rule on 2025-12-31 is refused on 2026-01-02 under the 30 % rule (422, nothing created)", async () => {
    await using t = testApp({ now: "2025-12-31T03:00:00Z" });
    // 471,429 a month: within 40 % of 1,500,000 (600,000), above 30 % (450,000)
    const late = await ready(t, { monthlyIncomeAmount: 1_500_000 });
    const early = await ready(t, { monthlyIncomeAmount: 1_500_000, nik: "3171015501900002" });
    const a1 = (await t.call("POST", "/api/v1/applications", { as: late.user, body: apply(late.documentIds) })).body;
    const a2 = (await t.call("POST", "/api/v1/applications", { as: early.user, body: apply(early.documentIds) })).body;
    expect([a1.status, a2.status]).toEqual(["checking", "checking"]);
    for (const id of [a1.id, a2.id]) t.tx((x) => transitionApplication(x, { applicationId: id, to: "approved", actor: "system:scoring", reason: "auto", at: t.clock.now() }));
    // accepted the same day: fine
    expect((await t.call("POST", `/api/v1/applications/${a2.id}/accept`, { as: early.user })).status).toBe(201);
    t.clock.set("2026-01-02T03:00:00Z");
    const res = await t.call("POST", `/api/v1/applications/${a1.id}/accept`, { as: late.user });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe("https://kreditku.dev/problems/application-refused");
    expect(res.body.reasons).toEqual([expect.objectContaining({ code: "income_ratio_exceeded", monthlyEquivalentAmount: 471_429, maxRatioPpm: 300_000, effectiveFrom: "2026-01-01" })]);
    expect(statusOf(t, a1.id)).toBe("approved");
    expect(t.db.read.get<any>("SELECT COUNT(*) AS n FROM loans WHERE application_id = ?", a1.id).n).toBe(0);
  });

  test("the minimum age in force on the accept date applies", async () => {
    await using t = testApp();
    const { user, documentIds } = await ready(t, { birthDate: "2006-06-15", nik: "3171015506060001" });
    const app = (await t.call("POST", "/api/v1/applications", { as: user, body: apply(documentIds) })).body;
    expect(app.status).toBe("checking");
    t.tx((x) => transitionApplication(x, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto", at: t.clock.now() }));
    // a new rule (a migration in real life): 21+ from 2026-03-03
    t.db.tx((c) =>
      c.run("INSERT INTO regulatory_caps (id, rule, purpose, min_term_days, max_term_days, value, unit, effective_from, effective_to, source) VALUES ('test-min-age-21', 'min_age', 'any', 0, NULL, 21, 'years', '2026-03-03', NULL, 'test')"),
    );
    t.clock.set("2026-03-04T03:00:00Z");
    const res = await t.call("POST", `/api/v1/applications/${app.id}/accept`, { as: user });
    expect(res.status).toBe(422);
    expect(res.body.reasons).toEqual([expect.objectContaining({ code: "under_age", age: 19, minAge: 21 })]);
  });

  test("every approval lapses after 7 days by default: accepting later expires the application (409)", async () => {
    await using t = testApp();
    const { user, documentIds } = await ready(t);
    const app = (await t.call("POST", "/api/v1/applications", { as: user, body: apply(documentIds) })).body;
    t.tx((x) => transitionApplication(x, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto", offer: { principalAmount: 4_000_000 }, at: t.clock.now() }));
    const offer = (await t.call("GET", `/api/v1/applications/${app.id}`, { as: user })).body.offer;
    expect(offer).toEqual({ principalAmount: 4_000_000, tenor: 50, expiresAt: "2026-03-09T03:00:00.000Z" });
    t.clock.set("2026-03-09T03:00:01Z");
    const res = await t.call("POST", `/api/v1/applications/${app.id}/accept`, { as: user });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe("https://kreditku.dev/problems/offer-expired");
    expect(statusOf(t, app.id)).toBe("expired");
  });
});
