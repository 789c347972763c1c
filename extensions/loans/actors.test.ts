// Actors by name in staff views: staff by display name (else email), borrowers as "borrower" (no personal data),
// automated actors by their id; the application review's events carry them.
import { expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { actorsOf } from "./actors.ts";

test("actorsOf names staff, hides borrowers, keeps automated and unknown ids", async () => {
  await using t = testApp();
  const now = t.clock.now().toISOString();
  t.db.tx((c) => {
    c.run("INSERT INTO users (id, role, email, display_name, created_at, updated_at) VALUES ('s1', 'analyst', 'rina@kreditku.test', 'Rina Analyst', ?, ?)", now, now);
    c.run("INSERT INTO users (id, role, email, display_name, created_at, updated_at) VALUES ('s2', 'finance', 'fajar@kreditku.test', '  ', ?, ?)", now, now);
    c.run("INSERT INTO users (id, role, phone, display_name, created_at, updated_at) VALUES ('b1', 'borrower', '+6281200000001', 'Budi', ?, ?)", now, now);
  });
  const a = actorsOf(t.db.read, ["s1", "s2", "b1", "system:scoring", "gone", null, "s1"]);
  expect(Object.fromEntries(a)).toEqual({
    s1: { id: "s1", name: "Rina Analyst", email: "rina@kreditku.test" },
    s2: { id: "s2", name: "fajar@kreditku.test", email: "fajar@kreditku.test" },
    b1: { id: "b1", name: "borrower", email: null },
    "system:scoring": { id: "system:scoring", name: "system:scoring", email: null },
    gone: { id: "gone", name: "gone", email: null },
  });
});

test("the application review names each event's actor", async () => {
  await using t = testApp();
  const analyst = t.staff("analyst", { email: "dewi@kreditku.test" });
  const borrower = t.borrower();
  const now = t.clock.now().toISOString();
  t.db.tx((c) => {
    c.run(
      `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, created_at, updated_at)
       VALUES ('app-x', ?, 'prod_reference_weekly', 'rejected', 1000000, 10, 'weeks', 'modal', 110000, ?, ?)`,
      borrower.id,
      now,
      now,
    );
    c.run(
      `INSERT INTO application_events (application_id, from_status, to_status, actor, reason, at) VALUES
       ('app-x', NULL, 'submitted', ?, '', ?), ('app-x', 'submitted', 'manual_review', 'system:scoring', 'review band', ?), ('app-x', 'manual_review', 'rejected', ?, 'income unverifiable', ?)`,
      borrower.id,
      now,
      now,
      analyst.id,
      now,
    );
  });
  const r = await t.call("GET", "/api/v1/admin/applications/app-x", { as: analyst });
  expect(r.status).toBe(200);
  expect(r.body.events.map((e: any) => [e.to, e.actorName])).toEqual([
    ["submitted", "borrower"],
    ["manual_review", "system:scoring"],
    ["rejected", "dewi@kreditku.test"],
  ]);
});
