// Four-eyes approval and the business audit trail in Chromium against the built binary: finance proposes a
// write-off from the loan page (held for approval), the proposer cannot approve it, another finance staff member
// approves it on the Approvals page, the loan is written off and the ledger balanced; the audit trail shows the
// proposal, the write-off (before/after) and the approval; a product change is proposed and approved by another
// admin; an admin's view of an application's personal data is in the trail. Screenshots in test-results/dashboard.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import type { Running } from "../kit/binary.ts";
import { apiWithToken, serveStaffDepot, sessionToken, settled, signInDashboard, suiteBrowser, type SuiteBrowser } from "../kit/browser.ts";

const SHOTS = resolve(import.meta.dir, "../../test-results/dashboard");
const PASSWORD = "correct-horse-battery";
// distinct accounts: sign-in is rate limited per IP and email
const STAFF = {
  admin: "aa-admin@kreditku.test",
  admin2: "aa-admin2@kreditku.test",
  maker: "aa-finance-maker@kreditku.test",
  checker: "aa-finance-checker@kreditku.test",
} as const;
const LOAN = "loan-wo-1";

let srv: Running;
let chromium: SuiteBrowser;

function seed(depot: string) {
  const db = new Database(join(depot, "data/main.db"));
  const now = Date.now();
  const day = 86_400_000;
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  db.exec("PRAGMA foreign_keys = ON");
  db.transaction(() => {
    db.run("INSERT INTO users (id, role, phone, display_name, status, created_at, updated_at) VALUES ('bor-1', 'borrower', '+6281200000010', 'Borrower 1', 'active', ?, ?)", [iso(300 * day), iso(300 * day)]);
    db.run(
      `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
        monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone, emergency_relation, emergency_consent, created_at, updated_at)
       VALUES ('bor-1', '3174012345670001', 'Siti Aminah', '1990-01-01', 'F', 'Jl. Merdeka 1', 'Jakarta', 'DKI Jakarta', '10110', 'employed', 8000000, 'BCA', '1234567890', 'Siti Aminah', 'Budi', '+6281299999999', 'sibling', 1, ?, ?)`,
      [iso(300 * day), iso(300 * day)],
    );
    for (const [id, status] of [
      ["app-rev-1", "manual_review"],
      ["app-wo-1", "active"],
    ] as const) {
      db.run(
        `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, submitted_at, created_at, updated_at)
         VALUES (?, 'bor-1', 'prod_reference_weekly', ?, 5000000, 50, 'weeks', 'consumptive', 110000, ?, ?, ?)`,
        [id, status, iso(day), iso(day), iso(day)],
      );
    }
    // a loan far past the write-off threshold (its one instalment due 2026-01-08), with a ledger matching its schedule
    db.run(
      `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount, tenor, tenor_unit,
        interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, dpd, credit_balance_amount, disbursed_at, created_at, updated_at)
       VALUES (?, 'app-wo-1', 'bor-1', 'prod_reference_weekly', 'delinquent', 5000000, 500000, 0, 0, 5000000, 50, 'weeks', 'flat', 2000, 1000, 3, 'consumptive', '2026-01-01', '2026-12-17', 200, 0, ?, ?, ?)`,
      [LOAN, iso(330 * day), iso(330 * day), iso(330 * day)],
    );
    db.run(
      "INSERT INTO installments (id, loan_id, seq, due_date, principal_due, interest_due, fee_due, principal_paid, interest_paid, status, paid_at) VALUES (?, ?, 1, '2026-01-08', 100000, 10000, 0, 0, 0, 'pending', NULL)",
      [`${LOAN}-i1`, LOAN],
    );
    const journal = Number(db.run("INSERT INTO ledger_journals (kind, ref, loan_id, memo, total, posted_at) VALUES ('seed.settled', ?, ?, 'seeded', 110000, ?)", [LOAN, LOAN, iso(330 * day)]).lastInsertRowid);
    for (const [account, debit, credit] of [
      ["principal_receivable", 100000, 0],
      ["interest_receivable", 10000, 0],
      ["cash", 0, 100000],
      ["interest_income", 0, 10000],
    ] as const) {
      db.run("INSERT INTO ledger_lines (journal_id, account, loan_id, debit, credit) VALUES (?, ?, ?, ?, ?)", [journal, account, LOAN, debit, credit]);
    }
  })();
  db.close();
}

const newPage = () => chromium.newPage({ height: 900 });

/** Sign in; the session's access token. */
async function signIn(page: Page, email: string) {
  await signInDashboard(page, srv.url, email, PASSWORD);
  return sessionToken(page);
}

const call = (token: string, method: string, path: string, body?: unknown) => apiWithToken(srv.url, token, path, { method, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  srv = await serveStaffDepot({ prefix: "kreditku-aa-", staff: STAFF, password: PASSWORD, roleOf: (key) => (key.startsWith("admin") ? "admin" : "finance"), seed });
  chromium = await suiteBrowser();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  srv?.cleanup();
});

describe("four-eyes approval and the audit trail", () => {
  let adminToken = "";
  let makerId = "";
  let checkerId = "";

  test("an admin requires approval of every write-off on the Approvals page", async () => {
    const { page, errors } = await newPage();
    adminToken = await signIn(page, STAFF.admin);
    await page.locator("nav.sidebar a", { hasText: "Approvals" }).click();
    await settled(page);
    const row = page.locator('[data-testid=approval-policies] tr[data-action="loan.write_off"]');
    await row.waitFor();
    const threshold = row.getByRole("textbox", { name: /from amount/ });
    expect(await threshold.inputValue()).toBe("10000000"); // the declared default
    await threshold.fill("0");
    await row.getByRole("button", { name: "Save" }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=approval-policies] tr[data-action="loan.write_off"] input[inputmode=numeric]')?.getAttribute("value") === "0");
    const policies = await call(adminToken, "GET", "/api/v1/admin/approval-policies");
    expect(policies.body.items.find((p: any) => p.action === "loan.write_off")).toMatchObject({ required: true, thresholdAmount: 0, source: "set" });
    expect(errors).toEqual([]);
  }, 60_000);

  test("finance proposes a write-off: held for approval, the loan unchanged; the proposer cannot approve", async () => {
    const { page, errors } = await newPage();
    const token = await signIn(page, STAFF.maker);
    await page.goto(`${srv.url}/_/admin/loans/${LOAN}`);
    await settled(page);
    await page.getByRole("region", { name: "Finance actions" }).getByRole("button", { name: "Write off" }).click();
    await page.locator("textarea[name=reason]").fill("Unreachable for 200 days");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByTestId("confirm-step").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Write off" }).click();
    const notice = page.getByTestId("action-notice");
    await notice.waitFor();
    expect(await notice.innerText()).toContain("awaiting approval by another staff member");
    expect((await call(token, "GET", `/api/v1/loans/${LOAN}`)).body.status).toBe("delinquent");

    await page.locator("nav.sidebar a", { hasText: "Approvals" }).click();
    await settled(page);
    const pending = page.getByTestId("pending-approvals").locator("tbody tr");
    expect(await pending.count()).toBe(1);
    expect(await pending.first().innerText()).toContain(LOAN);
    expect(await pending.first().getByTestId("cannot-decide").innerText()).toContain("another staff member must decide");
    expect(await pending.first().getByRole("button", { name: "Approve" }).count()).toBe(0);
    const list = await call(token, "GET", "/api/v1/admin/approvals?status=pending");
    const approval = list.body.items[0];
    makerId = approval.proposedBy.id;
    const self = await call(token, "POST", `/api/v1/admin/approvals/${approval.id}/approve`, {});
    expect(self.status).toBe(403);
    await page.screenshot({ path: join(SHOTS, "approvals-proposer.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test("another finance staff member approves: written off, ledger balanced", async () => {
    const { page, errors } = await newPage();
    const token = await signIn(page, STAFF.checker);
    await page.locator("nav.sidebar a", { hasText: "Approvals" }).click();
    await settled(page);
    const row = page.getByTestId("pending-approvals").locator("tbody tr").first();
    await row.getByRole("button", { name: "Approve" }).click();
    await page.locator("textarea[name=note]").fill("Collection log checked");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByTestId("confirm-step").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Approve and carry out" }).click();
    await page.getByTestId("action-notice").waitFor();
    expect(await page.getByTestId("action-notice").innerText()).toContain("approved and carried out");
    await page.getByTestId("decided-approvals").waitFor();
    expect(await page.getByTestId("decided-approvals").innerText()).toContain(LOAN);
    const loan = await call(token, "GET", `/api/v1/loans/${LOAN}`);
    expect(loan.body.status).toBe("written_off");
    const check = await call(token, "GET", "/api/v1/admin/ledger/check");
    expect(check.body.ok).toBe(true);
    const decided = await call(token, "GET", "/api/v1/admin/approvals?status=approved");
    checkerId = decided.body.items[0].decidedBy.id;
    expect(decided.body.items[0]).toMatchObject({ entityId: LOAN, proposedBy: { id: makerId }, decisionReason: "Collection log checked" });
    expect(checkerId).not.toBe(makerId);
    await page.screenshot({ path: join(SHOTS, "approvals-decided.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test("the audit trail shows the proposal, the write-off with before/after and the approval, by name", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin2);
    await page.locator("nav.sidebar a", { hasText: "Audit trail" }).click();
    await settled(page);
    await page.locator("select[name=entityType]").selectOption("loan");
    await page.getByLabel("Record id").fill(LOAN);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=audit-table] tbody tr").length === 3);
    const rows = page.getByTestId("audit-table").locator("tbody tr");
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-event")))).toEqual(["approval.approved", "loan.written_off", "approval.proposed"]);
    const wo = await rows.nth(1).innerText();
    expect(wo).toContain("Written off");
    expect(wo).toContain(STAFF.maker);
    expect(wo).toContain("Unreachable for 200 days");
    // before → after in words: the status, by its label
    const change = await rows.nth(1).getByTestId("changes").innerText();
    expect(change).toMatch(/Status: Delinquent\s*→\s*Written off/i);
    expect(await rows.nth(0).innerText()).toContain(STAFF.checker);
    // the same entries through the API
    const api = await call(adminToken, "GET", `/api/v1/admin/audit?entityType=loan&entityId=${LOAN}`);
    expect(api.body.items.map((e: any) => [e.event, e.actor.id])).toEqual([
      ["approval.approved", checkerId],
      ["loan.written_off", makerId],
      ["approval.proposed", makerId],
    ]);
    expect(api.body.items[1].after.totalAmount).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "audit-trail.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test("a product change proposed by one admin is approved by another", async () => {
    const { page, errors } = await newPage();
    const token = await signIn(page, STAFF.admin2);
    expect((await call(adminToken, "PUT", "/api/v1/admin/approval-policies/product.change", { required: true, thresholdAmount: null, expiresInHours: 24 })).status).toBe(200);
    const product = (await call(adminToken, "GET", "/api/v1/admin/products/prod_reference_weekly")).body;
    const { id: _id, createdAt: _c, updatedAt: _u, ...input } = product;
    const proposed = await call(adminToken, "PUT", "/api/v1/admin/products/prod_reference_weekly", { ...input, name: "Pinjaman Mingguan (four-eyes)" });
    expect(proposed.status).toBe(202);
    expect((await call(token, "GET", "/api/v1/admin/products/prod_reference_weekly")).body.name).toBe(product.name);
    await page.locator("nav.sidebar a", { hasText: "Approvals" }).click();
    await settled(page);
    const row = page.locator(`[data-testid=pending-approvals] tr[data-approval="${proposed.body.approval.id}"]`);
    expect(await row.innerText()).toContain("Product change");
    await row.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Approve and carry out" }).click();
    await page.getByTestId("action-notice").waitFor();
    expect((await call(token, "GET", "/api/v1/admin/products/prod_reference_weekly")).body.name).toBe("Pinjaman Mingguan (four-eyes)");
    const history = await call(token, "GET", "/api/v1/admin/audit?entityType=product&entityId=prod_reference_weekly");
    expect(history.body.items.map((e: any) => e.event)).toEqual(["approval.approved", "product.updated", "approval.proposed"]);
    expect(history.body.items[1]).toMatchObject({ before: { name: product.name }, after: { name: "Pinjaman Mingguan (four-eyes)" } });
    expect(errors).toEqual([]);
  }, 60_000);

  test("an admin's view of an application's personal data is in the trail", async () => {
    const { page, errors } = await newPage();
    const viewer = await signIn(page, STAFF.admin); // a second sign-in of this admin (the limit is 5 a minute)
    await page.goto(`${srv.url}/_/admin/applications/app-rev-1`);
    await settled(page);
    await page.locator("nav.sidebar a", { hasText: "Audit trail" }).click();
    await settled(page);
    await page.getByLabel("Event").selectOption("pii.viewed");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(() => document.querySelector("[data-testid=audit-table] tbody tr[data-event='pii.viewed']"));
    const row = page.getByTestId("audit-table").locator("tbody tr").first();
    expect(await row.innerText()).toContain("Personal data viewed");
    expect(await row.innerText()).toContain("app-rev-1");
    const api = await call(viewer, "GET", "/api/v1/admin/audit?event=pii.viewed&entityType=application&entityId=app-rev-1");
    expect(api.body.items.length).toBeGreaterThanOrEqual(1);
    expect(api.body.items[0].details.fields).toContain("borrower.nik");
    expect(api.body.items[0].user.id).toBe("bor-1");
    expect(errors).toEqual([]);
  }, 60_000);
});
