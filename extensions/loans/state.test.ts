import { describe, expect, test } from "bun:test";
import { HttpProblem } from "../../src/http/problem.ts";
import { APPLICATION_TRANSITIONS, LOAN_TRANSITIONS, transitionApplication, transitionLoan } from "./state.ts";
import { ageOn, capsInForce, checkProduct, loadCaps, strictest } from "./caps.ts";
import { appPerTest, testApp, type TestApp } from "../../test/kit/app.ts";
import { APPLICATION_STATUSES, type ApplicationStatus } from "../../schemas/enums.ts";

function seedApplication(t: TestApp, status: ApplicationStatus, userId = t.borrower().id) {
  const id = Bun.randomUUIDv7();
  const at = t.clock.now().toISOString();
  t.db.tx((w) =>
    w.run(
      `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, created_at, updated_at)
       VALUES (?, ?, 'prod_reference_weekly', ?, 5000000, 50, 'weeks', 'test', 110000, ?, ?)`,
      id,
      userId,
      status,
      at,
      at,
    ),
  );
  return id;
}

describe("application state machine", () => {
  const t = appPerTest();

  test("every legal transition is applied, recorded and emitted; every other pair is refused with 409", () => {
    const ctx = t.context();
    for (const from of APPLICATION_STATUSES) {
      for (const to of APPLICATION_STATUSES) {
        const id = seedApplication(t, from);
        const before = t.outboxMark();
        const legal = APPLICATION_TRANSITIONS[from].includes(to);
        let err: unknown;
        try {
          ctx.tx((t) => transitionApplication(t, { applicationId: id, to, actor: "test", reason: `${from}->${to}` }));
        } catch (e) {
          err = e;
        }
        const row = t.db.read.get<{ status: string }>("SELECT status FROM applications WHERE id = ?", id)!;
        const events = t.db.read.all<any>("SELECT * FROM application_events WHERE application_id = ?", id);
        if (legal) {
          expect(err).toBeUndefined();
          expect(row.status).toBe(to);
          expect(events).toHaveLength(1);
          expect(events[0]).toMatchObject({ from_status: from, to_status: to, actor: "test", reason: `${from}->${to}` });
          expect(t.events(undefined, before)).toEqual([{ name: "application.status_changed", payload: expect.objectContaining({ applicationId: id, from, to }) }]);
          expect(t.jobs(undefined, before)).toEqual([]);
        } else {
          expect(err).toBeInstanceOf(HttpProblem);
          expect((err as HttpProblem).status).toBe(409);
          expect(row.status).toBe(from);
          expect(events).toHaveLength(0);
          expect(t.outboxMark()).toBe(before);
        }
      }
    }
  });

  test("approval stores the offer (defaults to the requested terms) and validates it", () => {
    const ctx = t.context();
    const id = seedApplication(t, "checking");
    ctx.tx((t) => transitionApplication(t, { applicationId: id, to: "approved", actor: "system:scoring", reason: "score 640", offer: { principalAmount: 4_000_000 } }));
    const row = t.db.read.get<any>("SELECT offer_json, decided_at FROM applications WHERE id = ?", id)!;
    // every approval lapses: without an explicit expiresAt, 7 days after the decision 
    expect(JSON.parse(row.offer_json)).toEqual({ principalAmount: 4_000_000, tenor: 50, expiresAt: expect.any(String) });
    expect(row.decided_at).toBeString();
    expect(Date.parse(JSON.parse(row.offer_json).expiresAt) - Date.parse(row.decided_at)).toBe(7 * 86_400_000);
    const id2 = seedApplication(t, "manual_review");
    expect(() => ctx.tx((t) => transitionApplication(t, { applicationId: id2, to: "approved", actor: "x", reason: "y", offer: { principalAmount: 9_000_000 } }))).toThrow(HttpProblem);
    expect(t.db.read.get<any>("SELECT status FROM applications WHERE id = ?", id2).status).toBe("manual_review");
  });

  test("unknown application is 404", () => {
    const ctx = t.context();
    try {
      ctx.tx((t) => transitionApplication(t, { applicationId: "nope", to: "checking", actor: "x", reason: "y" }));
      throw new Error("expected a problem");
    } catch (e) {
      expect((e as HttpProblem).status).toBe(404);
    }
  });
});

describe("loan state machine", () => {
  test("legal moves are recorded; the application follows active / paid_off; illegal is 409", async () => {
    await using t = testApp();
    const ctx = t.context();
    const user = t.borrower();
    const appId = seedApplication(t, "disbursing", user.id);
    const loanId = Bun.randomUUIDv7();
    const at = t.clock.now().toISOString();
    t.db.tx((w) =>
      w.run(
        `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount,
           tenor, tenor_unit, interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, created_at, updated_at)
         VALUES (?, ?, ?, 'prod_reference_weekly', 'disbursing', 5000000, 500000, 0, 0, 5000000, 50, 'weeks', 'flat', 2000, 1000, 3, 'consumptive', '2026-03-02', '2027-02-15', ?, ?)`,
        loanId,
        appId,
        user.id,
        at,
        at,
      ),
    );
    expect(() => ctx.tx((t) => transitionLoan(t, { loanId, to: "paid_off", actor: "x", reason: "y" }))).toThrow(HttpProblem);
    ctx.tx((t) => transitionLoan(t, { loanId, to: "active", actor: "system:payments", reason: "disbursed" }));
    expect(t.db.read.get<any>("SELECT status FROM applications WHERE id = ?", appId).status).toBe("active");
    expect(t.db.read.get<any>("SELECT status, disbursed_at FROM loans WHERE id = ?", loanId)).toMatchObject({ status: "active", disbursed_at: expect.any(String) });
    ctx.tx((t) => transitionLoan(t, { loanId, to: "delinquent", actor: "system:collections", reason: "DPD 1" }));
    ctx.tx((t) => transitionLoan(t, { loanId, to: "active", actor: "system:collections", reason: "cured" }));
    ctx.tx((t) => transitionLoan(t, { loanId, to: "paid_off", actor: "system:payments", reason: "last instalment paid" }));
    expect(t.db.read.get<any>("SELECT status FROM applications WHERE id = ?", appId).status).toBe("paid_off");
    const trail = t.db.read.all<any>("SELECT from_status, to_status FROM loan_events WHERE loan_id = ? ORDER BY id", loanId);
    expect(trail.map((e) => `${e.from_status}>${e.to_status}`)).toEqual(["disbursing>active", "active>delinquent", "delinquent>active", "active>paid_off"]);
    expect(t.events("loan.status_changed")).toHaveLength(4);
    expect(LOAN_TRANSITIONS.paid_off).toEqual([]);
  });
});

describe("regulatory caps (dated data)", () => {
  const t = appPerTest();
  test("consumptive: 0.3 %/day until 2024-12-31; from 2025 0.3 % (< 6 months) and 0.2 % (≥ 6 months)", () => {
    const caps = loadCaps(t.db.read);
    expect(strictest(caps, "daily_cost", "2024-12-31", "consumptive", 350)?.value).toBe(3000);
    expect(strictest(caps, "daily_cost", "2025-01-01", "consumptive", 179)?.value).toBe(3000);
    expect(strictest(caps, "daily_cost", "2025-01-01", "consumptive", 180)?.value).toBe(2000);
    expect(strictest(caps, "daily_cost", "2026-06-01", "productive", 90)?.value).toBe(2750);
    expect(strictest(caps, "daily_cost", "2026-06-01", "productive", 365)?.value).toBe(1000);
  });
  test("income ratio 40 %, 30 % from 2026-01-01; minimum age 18", () => {
    const caps = loadCaps(t.db.read);
    expect(strictest(caps, "income_ratio", "2025-12-31")?.value).toBe(400_000);
    expect(strictest(caps, "income_ratio", "2026-01-01")?.value).toBe(300_000);
    expect(capsInForce(caps, "min_age", "2026-01-01")[0].value).toBe(18);
    expect(ageOn("2008-03-03", "2026-03-02")).toBe(17);
    expect(ageOn("2008-03-02", "2026-03-02")).toBe(18);
  });
  test("a product's worst case is checked: cap, figure and effective date", () => {
    const caps = loadCaps(t.db.read);
    const base = {
      purpose: "consumptive" as const,
      minAmount: 1_000_000,
      maxAmount: 5_000_000,
      minTenor: 2,
      maxTenor: 12,
      tenorUnit: "months" as const,
      interestMethod: "flat" as const,
      interestRatePpm: 50_000, // 5 %/month = 0.1667 %/day: fine under 6 months (0.3 %), fine from 6 months (0.2 %)
      upfrontFeePpm: 0,
      adminFeeAmount: 0,
      lateFeePpm: 1000,
    };
    expect(checkProduct(caps, base, "2026-03-02")).toEqual([]);
    // 7 %/month = 0.233 %/day: over the 0.2 % cap from 6 months (since 2025-01-01), fine under the 2024 rule
    const v = checkProduct(caps, { ...base, interestRatePpm: 70_000 }, "2026-03-02");
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ rule: "daily_cost", cap: 2000, figure: 2334, effectiveFrom: "2025-01-01", at: { tenor: 6, termDays: 180 } });
    expect(checkProduct(caps, { ...base, interestRatePpm: 70_000 }, "2024-06-01")).toEqual([]);
    // a fixed admin fee weighs most on the smallest amount
    const fee = checkProduct(caps, { ...base, adminFeeAmount: 200_000, minTenor: 1, maxTenor: 1 }, "2026-03-02");
    expect(fee[0]).toMatchObject({ rule: "daily_cost", at: { amount: 1_000_000, tenor: 1 } });
    // late fee above its class
    expect(checkProduct(caps, { ...base, lateFeePpm: 2500 }, "2026-03-02")[0]).toMatchObject({ rule: "late_fee_daily", cap: 2000, figure: 2500 });
  });
});
