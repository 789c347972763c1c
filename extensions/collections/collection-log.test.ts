// The collection log: promise states derived from payments (pure), and GET/POST /api/v1/admin/loans/{id}/collection-log
// on the real app for every role, with bad input, the audit entry, Idempotency-Key replays and a promise kept or broken.
import { describe, expect, test } from "bun:test";
import { addDays, jakartaDate } from "../../src/runtime/index.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";
import { at, pay, seedLoan } from "./fixtures/reference-loan.ts";
import { promiseState } from "./collection-log.ts";

describe("promiseState", () => {
  const p = { promisedAmount: 220_000, promisedDate: "2026-03-10", createdAt: "2026-03-02T03:00:00.000Z" };
  test("pending until the date, kept once payments from the promise reach the amount, broken after the date", () => {
    expect(promiseState(p, [], "2026-03-10")).toEqual({ state: "pending", paidAmount: 0 });
    expect(promiseState(p, [], "2026-03-11")).toEqual({ state: "broken", paidAmount: 0 });
    const two = [
      { amount: 110_000, paidAt: "2026-03-05T02:00:00.000Z" },
      { amount: 110_000, paidAt: "2026-03-10T16:59:59.000Z" }, // 23:59:59 in Jakarta on the promised date
    ];
    expect(promiseState(p, two, "2026-03-20")).toEqual({ state: "kept", paidAmount: 220_000 });
    expect(promiseState(p, two.slice(0, 1), "2026-03-09")).toEqual({ state: "pending", paidAmount: 110_000 });
    expect(promiseState(p, two.slice(0, 1), "2026-03-11")).toEqual({ state: "broken", paidAmount: 110_000 });
  });
  test("payments before the promise or after the end of its date (Jakarta) do not count", () => {
    const early = { amount: 500_000, paidAt: "2026-03-02T02:59:59.000Z" };
    const late = { amount: 500_000, paidAt: "2026-03-10T17:00:00.000Z" }; // 00:00 on 11 March in Jakarta
    expect(promiseState(p, [early, late], "2026-03-12")).toEqual({ state: "broken", paidAmount: 0 });
  });
});

const LOG = "/api/v1/admin/loans/L-1/collection-log";
/** L-1 started 20 days ago (two weekly instalments overdue), L-paid paid off. */
function book(t: TestApp) {
  const today = jakartaDate(t.clock.now());
  t.db.tx((c) => {
    seedLoan(c, { id: "L-1", startDate: addDays(today, -20), vaNumber: "880800000001" });
    seedLoan(c, { id: "L-paid", startDate: addDays(today, -20), vaNumber: "880800000002" });
    c.run("UPDATE loans SET status = 'paid_off' WHERE id = 'L-paid'");
  });
  return { today };
}
const seeded = ({ app }: { app: TestApp }) => book(app);
const inDays = (t: TestApp, n: number) => addDays(jakartaDate(t.clock.now()), n);

scenarios("collection log", [
  { name: "signed out: 401", method: "GET", url: LOG, beforeTest: seeded, expectedStatus: 401 },
  { name: "a borrower may not read it (403)", method: "GET", url: LOG, asUser: "borrower", beforeTest: seeded, expectedStatus: 403 },
  { name: "finance reads it (empty)", method: "GET", url: LOG, asUser: "finance", beforeTest: seeded, expectedStatus: 200, expectedContent: { items: [] } },
  { name: "an unknown loan is 404", method: "GET", url: "/api/v1/admin/loans/nope/collection-log", asUser: "analyst", beforeTest: seeded, expectedStatus: 404 },
  { name: "finance may not log (403)", method: "POST", url: LOG, asUser: "finance", body: { kind: "note", note: "called" }, beforeTest: seeded, expectedStatus: 403 },
  { name: "a borrower may not log (403)", method: "POST", url: LOG, asUser: "borrower", body: { kind: "note", note: "called" }, beforeTest: seeded, expectedStatus: 403 },
  {
    name: "an analyst logs a call attempt: actor by name, audited in the same request",
    method: "POST",
    url: LOG,
    asUser: "analyst",
    body: { kind: "call_attempt", outcome: "no_answer", note: "Rang twice" },
    beforeTest: seeded,
    expectedStatus: 201,
    expectedContent: { kind: "call_attempt", outcome: "no_answer", note: "Rang twice", promise: null, loanId: "L-1" },
    afterTest({ app, user, res }) {
      expect(res.body.actor).toEqual({ id: user!.id, name: user!.email, email: user!.email });
      const a = app.db.read.get<{ event: string; actor_id: string; user_id: string; entity_type: string; entity_id: string; details: string }>(
        "SELECT event, actor_id, user_id, entity_type, entity_id, details FROM audit_log WHERE event LIKE 'collection.%'",
      );
      expect(a).toMatchObject({ event: "collection.call_logged", actor_id: user!.id, user_id: "u_L-1", entity_type: "loan", entity_id: "L-1" });
      expect(JSON.parse(a!.details)).toMatchObject({ before: null, after: { kind: "call_attempt", outcome: "no_answer" }, reason: "Rang twice", entryId: res.body.id });
    },
  },
  {
    name: "an admin records a promise to pay (pending)",
    method: "POST",
    url: LOG,
    asUser: "admin",
    body: ({ app }: { app: TestApp }) => ({ kind: "promise_to_pay", promisedAmount: 220_000, promisedDate: inDays(app, 3) }),
    beforeTest: seeded,
    expectedStatus: 201,
    expectedContent: { kind: "promise_to_pay", promisedAmount: 220_000, promise: { state: "pending", paidAmount: 0 } },
    afterTest: ({ app }) => expect(app.db.read.get("SELECT event FROM audit_log WHERE event = 'collection.promise_made'")).toBeTruthy(),
  },
  { name: "a note needs text (422)", method: "POST", url: LOG, asUser: "analyst", body: { kind: "note", note: " " }, beforeTest: seeded, expectedStatus: 422 },
  { name: "a call attempt needs an outcome (422)", method: "POST", url: LOG, asUser: "analyst", body: { kind: "call_attempt" }, beforeTest: seeded, expectedStatus: 422 },
  { name: "an unknown kind (422)", method: "POST", url: LOG, asUser: "analyst", body: { kind: "visit", note: "x" }, beforeTest: seeded, expectedStatus: 422 },
  {
    name: "unknown keys such as __proto__ (422)",
    method: "POST",
    url: LOG,
    asUser: "analyst",
    headers: { "Content-Type": "application/json" },
    body: JSON.parse('{"kind":"note","note":"called","__proto__":{"admin":true}}'),
    beforeTest: seeded,
    expectedStatus: 422,
  },
  {
    name: "a huge promised amount (422)",
    method: "POST",
    url: LOG,
    asUser: "analyst",
    body: ({ app }: { app: TestApp }) => ({ kind: "promise_to_pay", promisedAmount: 1e20, promisedDate: inDays(app, 1) }),
    beforeTest: seeded,
    expectedStatus: 422,
  },
  {
    name: "a promise dated yesterday (422, the field named)",
    method: "POST",
    url: LOG,
    asUser: "analyst",
    body: ({ app }: { app: TestApp }) => ({ kind: "promise_to_pay", promisedAmount: 1000, promisedDate: inDays(app, -1) }),
    beforeTest: seeded,
    expectedStatus: 422,
    expectedContent: ['"path":"promisedDate"'],
  },
  {
    name: "a promise more than 90 days ahead (422)",
    method: "POST",
    url: LOG,
    asUser: "analyst",
    body: ({ app }: { app: TestApp }) => ({ kind: "promise_to_pay", promisedAmount: 1000, promisedDate: inDays(app, 91) }),
    beforeTest: seeded,
    expectedStatus: 422,
  },
  { name: "a day that does not exist (422)", method: "POST", url: LOG, asUser: "analyst", body: { kind: "promise_to_pay", promisedAmount: 1000, promisedDate: "2026-03-32" }, beforeTest: seeded, expectedStatus: 422 },
  {
    name: "a promise on a paid-off loan (409)",
    method: "POST",
    url: "/api/v1/admin/loans/L-paid/collection-log",
    asUser: "analyst",
    body: ({ app }: { app: TestApp }) => ({ kind: "promise_to_pay", promisedAmount: 1000, promisedDate: inDays(app, 1) }),
    beforeTest: seeded,
    expectedStatus: 409,
  },
  { name: "a note on a paid-off loan is fine", method: "POST", url: "/api/v1/admin/loans/L-paid/collection-log", asUser: "analyst", body: { kind: "note", note: "Closed; thanked" }, beforeTest: seeded, expectedStatus: 201 },
  { name: "logging on an unknown loan (404)", method: "POST", url: "/api/v1/admin/loans/nope/collection-log", asUser: "analyst", body: { kind: "note", note: "called" }, beforeTest: seeded, expectedStatus: 404 },
]);

test("collection log > a double submit with one Idempotency-Key logs once", async () => {
  await using t = testApp();
  book(t);
  const analyst = t.staff("analyst");
  const headers = { "Idempotency-Key": "log-L-1-1" };
  const body = { kind: "note", note: "Borrower asked to be called after 17:00" };
  const a = await t.call("POST", LOG, { as: analyst, body, headers });
  const b = await t.call("POST", LOG, { as: analyst, body, headers });
  expect([a.status, b.status]).toEqual([201, 201]);
  expect(b.body.id).toBe(a.body.id);
  expect(t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM collection_log")!.n).toBe(1);
  expect(t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE event = 'collection.note_added'")!.n).toBe(1);
});

test("collection log > a promise is kept by payments up to its date, another broken when its date passes; newest first", async () => {
  await using t = testApp();
  const { today } = book(t);
  const analyst = t.staff("analyst");
  at(t, today, 9);
  const kept = await t.call("POST", LOG, { as: analyst, body: { kind: "promise_to_pay", promisedAmount: 220_000, promisedDate: addDays(today, 2) } });
  at(t, today, 9, 5);
  const broken = await t.call("POST", LOG, { as: analyst, body: { kind: "promise_to_pay", promisedAmount: 500_000, promisedDate: addDays(today, 1) } });
  expect([kept.status, broken.status]).toEqual([201, 201]);
  at(t, addDays(today, 1), 12);
  t.ctx.tx((c) => pay(c, "L-1", 110_000, t.clock.now()));
  at(t, addDays(today, 2), 20);
  t.ctx.tx((c) => pay(c, "L-1", 110_000, t.clock.now()));
  at(t, addDays(today, 3), 10);
  const log = await t.call("GET", LOG, { as: t.staff("finance") });
  expect(log.status).toBe(200);
  expect(log.body.items.map((i: any) => [i.id, i.promise])).toEqual([
    [broken.body.id, { state: "broken", paidAmount: 110_000 }],
    [kept.body.id, { state: "kept", paidAmount: 220_000 }],
  ]);
  expect(log.body.items[0].actor.name).toBe(analyst.email);
});
