// POST /api/v1/admin/loans/{id}/collection-log through ctx.commit: entries logged at the same moment share one
// transaction, each with its audit entry in its own savepoint; a promise on a closed loan answers 409 problem+json
// from inside the shared transaction and leaves neither an entry nor an audit entry.
import { expect, test } from "bun:test";
import { addDays, jakartaDate } from "../../src/runtime/index.ts";
import { groupCommitOf, type BatchInfo } from "../../src/db/group-commit.ts";
import { testApp } from "../../test/kit/app.ts";
import { seedLoan } from "./fixtures/reference-loan.ts";

test("collection log > entries of one moment share a transaction; a 409 inside it keeps nothing of its own", async () => {
  await using t = testApp({ logLevel: "silent" });
  const today = jakartaDate(t.clock.now());
  t.db.tx((c) => {
    seedLoan(c, { id: "L-1", startDate: addDays(today, -20), vaNumber: "880800000001" });
    seedLoan(c, { id: "L-paid", startDate: addDays(today, -20), vaNumber: "880800000002" });
    c.run("UPDATE loans SET status = 'paid_off' WHERE id = 'L-paid'");
  });
  const analyst = t.staff("analyst");
  await t.call("GET", "/api/v1/admin/loans/L-1/collection-log", { as: analyst });
  const seen: BatchInfo[] = [];
  groupCommitOf(t.db).onBatch((b) => seen.push(b));
  const promise = { kind: "promise_to_pay", promisedAmount: 110_000, promisedDate: addDays(today, 2) };
  const calls: [string, unknown][] = [
    ["L-1", { kind: "note", note: "Left a message" }],
    ["L-1", { kind: "call_attempt", outcome: "no_answer" }],
    ["L-paid", promise],
    ["L-1", promise],
    ["L-paid", { kind: "note", note: "Closed; thanked" }],
  ];
  const res = await Promise.all(calls.map(([loan, body]) => t.call("POST", `/api/v1/admin/loans/${loan}/collection-log`, { as: analyst, body })));
  expect(res.map((r) => r.status)).toEqual([201, 201, 409, 201, 201]);
  expect(res[2].headers.get("content-type")).toStartWith("application/problem+json");
  expect(res[2].body).toMatchObject({ status: 409, detail: expect.stringContaining("Loan L-paid is paid_off") });
  expect(seen.reduce((n, b) => n + b.size, 0)).toBe(5);
  expect(seen.length).toBeLessThan(5);
  expect(seen.reduce((n, b) => n + b.failed, 0)).toBe(1);
  // every answered entry is committed with its own audit entry; the refused promise left neither
  const entries = t.db.read.all<{ id: string; loan_id: string; kind: string }>("SELECT id, loan_id, kind FROM collection_log ORDER BY loan_id, kind");
  expect(entries.map((e) => [e.loan_id, e.kind])).toEqual([
    ["L-1", "call_attempt"],
    ["L-1", "note"],
    ["L-1", "promise_to_pay"],
    ["L-paid", "note"],
  ]);
  const audited = t.db.read.all<{ entity_id: string; details: string }>("SELECT entity_id, details FROM audit_log WHERE event LIKE 'collection.%'");
  expect(audited.map((a) => JSON.parse(a.details).entryId).sort()).toEqual(entries.map((e) => e.id).sort());
  expect(audited.filter((a) => a.entity_id === "L-paid")).toHaveLength(1);
});
