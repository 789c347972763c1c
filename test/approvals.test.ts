// Four-eyes approval and the business audit trail over HTTP: policies per action (admin), a write-off proposed by
// one finance staff member and approved by another (the proposer and other roles refused), rejection with a
// reason, expiry, product changes under approval, and the audit API (filters, roles, a record's history).
import { describe, expect, test } from "bun:test";
import { testApp, type TestApp } from "./kit/app.ts";
import { scenarios } from "./kit/scenario.ts";
import { seedLoan } from "../extensions/collections/fixtures/reference-loan.ts";
import { runSweep } from "../extensions/collections/sweep.ts";
import { checkLedger } from "../extensions/ledger/ledger.ts";
import { PRODUCT_EXAMPLE } from "../schemas/products.ts";
import { addDays, jakartaDate } from "../src/runtime/index.ts";

/** A loan 200 days past due (H-bad, receivables about Rp 5,3 million) after today's sweep. */
async function delinquentBook(t: TestApp) {
  const today = jakartaDate(t.clock.now());
  t.db.tx((c) => seedLoan(c, { id: "H-bad", startDate: addDays(today, -207), vaNumber: "880811110002" }));
  await t.start();
  expect((await runSweep(t.ctx)).status).toBe("done");
}

/** Every write-off needs approval (threshold 0), set by an admin through the API. */
async function requireWriteOffApproval(t: TestApp, expiresInHours = 72) {
  const r = await t.call("PUT", "/api/v1/admin/approval-policies/loan.write_off", { as: t.staff("admin"), body: { required: true, thresholdAmount: 0, expiresInHours } });
  expect(r.status).toBe(200);
}

const writeOff = "/api/v1/admin/loans/H-bad/write-off";
const audit = (t: TestApp, event: string) => t.db.read.all<any>("SELECT * FROM audit_log WHERE event = ? ORDER BY id", event);

scenarios("approvals", [
  { name: "list: signed out 401", method: "GET", url: "/api/v1/admin/approvals", expectedStatus: 401 },
  { name: "list: a borrower 403", method: "GET", url: "/api/v1/admin/approvals", asUser: "borrower", expectedStatus: 403 },
  { name: "list: an analyst sees the (empty) list", method: "GET", url: "/api/v1/admin/approvals?status=pending", asUser: "analyst", expectedStatus: 200, expectedContent: { items: [], nextCursor: null } },
  { name: "list: an unknown status 422", method: "GET", url: "/api/v1/admin/approvals?status=maybe", asUser: "finance", expectedStatus: 422 },
  { name: "list: a forged cursor 400", method: "GET", url: "/api/v1/admin/approvals?cursor=bm9wZQ", asUser: "finance", expectedStatus: 400 },
  { name: "approve: no such proposal 404", method: "POST", url: "/api/v1/admin/approvals/apv_nope/approve", body: {}, asUser: "finance", expectedStatus: 404 },
  { name: "reject: a reason is required 422", method: "POST", url: "/api/v1/admin/approvals/apv_nope/reject", body: {}, asUser: "finance", expectedStatus: 422 },
  { name: "approve: unknown keys refused 422", method: "POST", url: "/api/v1/admin/approvals/apv_nope/approve", body: { __proto__: { admin: true }, note: "x", extra: 1 }, asUser: "finance", expectedStatus: 422 },
  { name: "policies: staff read them with the declared defaults", method: "GET", url: "/api/v1/admin/approval-policies", asUser: "finance", expectedStatus: 200, expectedContent: ['"action":"loan.write_off"', '"thresholdAmount":10000000', '"action":"loan.refund"', '"thresholdAmount":5000000', '"action":"product.change","label":"Product change"'] },
  { name: "policies: finance may not set one (403)", method: "PUT", url: "/api/v1/admin/approval-policies/loan.write_off", body: { required: false, thresholdAmount: null }, asUser: "finance", expectedStatus: 403 },
  { name: "policies: an unknown action 404", method: "PUT", url: "/api/v1/admin/approval-policies/loan.nothing", body: { required: true, thresholdAmount: 0 }, asUser: "admin", expectedStatus: 404 },
  { name: "policies: a negative threshold 422", method: "PUT", url: "/api/v1/admin/approval-policies/loan.write_off", body: { required: true, thresholdAmount: -1 }, asUser: "admin", expectedStatus: 422, expectedContent: ["thresholdAmount"] },
  { name: "policies: a huge expiry 422", method: "PUT", url: "/api/v1/admin/approval-policies/loan.write_off", body: { required: true, thresholdAmount: 0, expiresInHours: 1e9 }, asUser: "admin", expectedStatus: 422 },
  {
    name: "policies: an admin sets one; audited as a settings change with before/after",
    method: "PUT",
    url: "/api/v1/admin/approval-policies/loan.write_off",
    body: { required: true, thresholdAmount: 2_000_000, expiresInHours: 24 },
    asUser: "admin",
    expectedStatus: 200,
    expectedContent: { action: "loan.write_off", required: true, thresholdAmount: 2_000_000, expiresInHours: 24, source: "set" },
    afterTest: ({ app }) => {
      const [e] = audit(app, "settings.changed");
      expect(e).toMatchObject({ entity_type: "approval_policy", entity_id: "loan.write_off" });
      expect(JSON.parse(e.details)).toEqual({ before: { required: true, thresholdAmount: 10_000_000, expiresInHours: 72 }, after: { required: true, thresholdAmount: 2_000_000, expiresInHours: 24 } });
    },
  },
  { name: "audit: signed out 401", method: "GET", url: "/api/v1/admin/audit", expectedStatus: 401 },
  { name: "audit: a borrower 403", method: "GET", url: "/api/v1/admin/audit", asUser: "borrower", expectedStatus: 403 },
  { name: "audit: a bad instant 422", method: "GET", url: "/api/v1/admin/audit?from=yesterday", asUser: "admin", expectedStatus: 422 },
  { name: "audit: a bad event filter 422", method: "GET", url: "/api/v1/admin/audit?event=a%27%20OR%201%3D1", asUser: "admin", expectedStatus: 422 },
  { name: "audit: a forged cursor 400", method: "GET", url: "/api/v1/admin/audit?cursor=zz", asUser: "admin", expectedStatus: 400 },
  { name: "audit: a huge limit 422", method: "GET", url: "/api/v1/admin/audit?limit=100000", asUser: "admin", expectedStatus: 422 },
  {
    name: "audit: a write-off under the default policy (below Rp 10.000.000) is done at once and audited",
    method: "POST",
    url: writeOff,
    body: { reason: "uncollectible" },
    asUser: "finance",
    beforeTest: ({ app }) => delinquentBook(app),
    expectedStatus: 201,
    afterTest: ({ app, res }) => {
      const [e] = audit(app, "loan.written_off");
      expect(e).toMatchObject({ entity_type: "loan", entity_id: "H-bad" });
      const d = JSON.parse(e.details);
      expect(d).toMatchObject({ before: { status: "delinquent", dpd: 200 }, after: { status: "written_off", totalAmount: res.body.totalAmount }, reason: "uncollectible" });
      expect(audit(app, "approval.proposed")).toEqual([]);
    },
  },
]);

describe("four-eyes write-off", () => {
  test("finance proposes (202), the proposer and an analyst may not approve, another finance approves: written off, ledger balanced, all audited", async () => {
    await using t = testApp();
    await delinquentBook(t);
    await requireWriteOffApproval(t);
    const maker = t.staff("finance", { email: "maker@kreditku.id" });
    const checker = t.staff("finance", { email: "checker@kreditku.id" });
    const proposed = await t.call("POST", writeOff, { as: maker, body: { reason: "uncollectible" }, headers: { "Idempotency-Key": "wo-1" } });
    expect(proposed.status).toBe(202);
    const approval = proposed.body.approval;
    expect(proposed.body.approvalRequired).toBe(true);
    expect(approval).toMatchObject({ action: "loan.write_off", entityType: "loan", entityId: "H-bad", status: "pending", reason: "uncollectible", proposedBy: { id: maker.id } });
    expect(approval.amount).toBeGreaterThan(5_000_000);
    // nothing happened yet; the same key replays the proposal, another request is refused while it is pending
    expect(t.db.read.get<any>("SELECT status FROM loans WHERE id = 'H-bad'").status).toBe("delinquent");
    expect(t.db.read.get<any>("SELECT count(*) AS n FROM write_offs").n).toBe(0);
    const replay = await t.call("POST", writeOff, { as: maker, body: { reason: "uncollectible" }, headers: { "Idempotency-Key": "wo-1" } });
    expect(replay.status).toBe(202);
    expect(replay.body.approval.id).toBe(approval.id);
    const again = await t.call("POST", writeOff, { as: checker, body: { reason: "again" } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: "https://kreditku.dev/problems/approval-pending", approvalId: approval.id });

    const list = await t.call("GET", "/api/v1/admin/approvals?status=pending", { as: checker });
    expect(list.body.items.map((a: any) => [a.id, a.canDecide])).toEqual([[approval.id, true]]);
    const mine = await t.call("GET", `/api/v1/admin/approvals/${approval.id}`, { as: maker });
    expect(mine.body.canDecide).toBe(false);

    const self = await t.call("POST", `/api/v1/admin/approvals/${approval.id}/approve`, { as: maker, body: {} });
    expect(self.status).toBe(403);
    expect(self.body.type).toContain("approver-is-proposer");
    const analyst = await t.call("POST", `/api/v1/admin/approvals/${approval.id}/approve`, { as: t.staff("analyst"), body: {} });
    expect(analyst.status).toBe(403);
    expect(analyst.body.type).toContain("approver-role");

    const ok = await t.call("POST", `/api/v1/admin/approvals/${approval.id}/approve`, { as: checker, body: { note: "checked the collection log" }, headers: { "Idempotency-Key": "ap-1" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "approved", decidedBy: { id: checker.id }, decisionReason: "checked the collection log", result: { created: true, writeOff: { loanId: "H-bad" } } });
    expect(t.db.read.get<any>("SELECT status FROM loans WHERE id = 'H-bad'").status).toBe("written_off");
    expect(t.db.read.get<any>("SELECT actor, reason FROM write_offs WHERE loan_id = 'H-bad'")).toEqual({ actor: maker.id, reason: "uncollectible" });
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
    const replayed = await t.call("POST", `/api/v1/admin/approvals/${approval.id}/approve`, { as: checker, body: { note: "checked the collection log" }, headers: { "Idempotency-Key": "ap-1" } });
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    const twice = await t.call("POST", `/api/v1/admin/approvals/${approval.id}/approve`, { as: t.staff("admin"), body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.type).toContain("approval-decided");
    expect(twice.body).toMatchObject({ status: 409, approvalStatus: "approved" }); // the problem's status is the HTTP code

    // the loan's history: proposed (maker), written off (maker, with the approval), approved (checker)
    const history = await t.call("GET", "/api/v1/admin/audit?entityType=loan&entityId=H-bad", { as: t.staff("analyst") });
    expect(history.status).toBe(200);
    const events = history.body.items.map((e: any) => [e.event, e.actor?.id]);
    expect(events).toEqual([
      ["approval.approved", checker.id],
      ["loan.written_off", maker.id],
      ["approval.proposed", maker.id],
    ]);
    const wo = history.body.items[1];
    expect(wo).toMatchObject({ reason: "uncollectible", before: { status: "delinquent" }, after: { status: "written_off" }, details: { approvalId: approval.id, approvedBy: checker.id } });
    expect(wo.actor.name).toBe("maker@kreditku.id");
    expect("ip" in wo).toBe(false); // analysts do not see IP addresses
    const asAdmin = await t.call("GET", `/api/v1/admin/audit?event=approval.*&actor=${checker.id}`, { as: t.staff("admin") });
    expect(asAdmin.body.items.map((e: any) => e.event)).toEqual(["approval.approved"]);
    expect(typeof asAdmin.body.items[0].ip).toBe("string");
  });

  test("rejected with a reason by another staff member; the loan is untouched and can be proposed again", async () => {
    await using t = testApp();
    await delinquentBook(t);
    await requireWriteOffApproval(t);
    const maker = t.staff("finance");
    const p = await t.call("POST", writeOff, { as: maker, body: { reason: "uncollectible" } });
    expect(p.status).toBe(202);
    const id = p.body.approval.id;
    expect((await t.call("POST", `/api/v1/admin/approvals/${id}/reject`, { as: maker, body: { reason: "changed my mind" } })).status).toBe(403);
    const r = await t.call("POST", `/api/v1/admin/approvals/${id}/reject`, { as: t.staff("admin"), body: { reason: "promise to pay on Friday" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "rejected", decisionReason: "promise to pay on Friday" });
    expect(t.db.read.get<any>("SELECT status FROM loans WHERE id = 'H-bad'").status).toBe("delinquent");
    expect(JSON.parse(audit(t, "approval.rejected")[0].details)).toMatchObject({ reason: "promise to pay on Friday", before: { status: "pending" }, after: { status: "rejected" } });
    expect((await t.call("POST", writeOff, { as: maker, body: { reason: "uncollectible" } })).status).toBe(202);
  });

  test("a proposal past its expiry cannot be approved (409) and shows expired", async () => {
    await using t = testApp();
    await delinquentBook(t);
    await requireWriteOffApproval(t, 1);
    const p = await t.call("POST", writeOff, { as: t.staff("finance"), body: { reason: "uncollectible" } });
    expect(p.status).toBe(202);
    t.clock.advance(61 * 60_000);
    const r = await t.call("POST", `/api/v1/admin/approvals/${p.body.approval.id}/approve`, { as: t.staff("admin"), body: {} });
    expect(r.status).toBe(409);
    expect(r.body.type).toContain("approval-expired");
    const got = await t.call("GET", `/api/v1/admin/approvals/${p.body.approval.id}`, { as: t.staff("admin") });
    expect(got.body.status).toBe("expired");
    expect(audit(t, "approval.expired")).toHaveLength(1);
    expect(t.db.read.get<any>("SELECT status FROM loans WHERE id = 'H-bad'").status).toBe("delinquent");
  });

  test("below an admin's threshold a write-off needs no approval", async () => {
    await using t = testApp();
    await delinquentBook(t);
    const set = await t.call("PUT", "/api/v1/admin/approval-policies/loan.write_off", { as: t.staff("admin"), body: { required: true, thresholdAmount: 50_000_000 } });
    expect(set.status).toBe(200);
    expect((await t.call("POST", writeOff, { as: t.staff("finance"), body: { reason: "uncollectible" } })).status).toBe(201);
  });
});

describe("four-eyes product change", () => {
  const { id: _id, createdAt: _c, updatedAt: _u, ...example } = PRODUCT_EXAMPLE;
  const input = { ...example, code: "KK-FOUR-EYES" };

  test("an admin's change waits for another admin; approved, the product changes and the trail shows before/after", async () => {
    await using t = testApp();
    const a = t.staff("admin", { email: "a@kreditku.id" });
    const b = t.staff("admin", { email: "b@kreditku.id" });
    const created = await t.call("POST", "/api/v1/admin/products", { as: a, body: input });
    expect(created.status).toBe(201); // off by default
    const pid = created.body.id;
    expect(JSON.parse(audit(t, "product.created")[0].details)).toMatchObject({ before: null, after: { id: pid, name: input.name } });
    expect((await t.call("PUT", "/api/v1/admin/approval-policies/product.change", { as: a, body: { required: true, thresholdAmount: null } })).status).toBe(200);
    const proposed = await t.call("PUT", `/api/v1/admin/products/${pid}`, { as: a, body: { ...input, name: "Renamed" } });
    expect(proposed.status).toBe(202);
    expect(proposed.body.approval).toMatchObject({ action: "product.change", entityType: "product", entityId: pid, amount: null });
    expect((await t.call("GET", `/api/v1/admin/products/${pid}`, { as: a })).body.name).toBe(input.name);
    expect((await t.call("PUT", `/api/v1/admin/products/nope`, { as: a, body: input })).status).toBe(404); // refused as without approval
    const ok = await t.call("POST", `/api/v1/admin/approvals/${proposed.body.approval.id}/approve`, { as: b, body: {} });
    expect(ok.status).toBe(200);
    expect((await t.call("GET", `/api/v1/admin/products/${pid}`, { as: a })).body.name).toBe("Renamed");
    const history = await t.call("GET", `/api/v1/admin/audit?entityType=product&entityId=${pid}`, { as: b });
    expect(history.body.items.map((e: any) => e.event)).toEqual(["approval.approved", "product.updated", "approval.proposed", "product.created"]);
    expect(history.body.items[1]).toMatchObject({ before: { name: input.name }, after: { name: "Renamed" }, actor: { id: a.id } });
  });
});
