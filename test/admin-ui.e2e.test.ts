// The admin dashboard in Chromium against the built binary: sign-in, every page for each role, forbidden pages,
// masked PII, filters and pagination, no console errors; screenshots of the main pages in test-results/admin-ui.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import type { Running } from "./kit/binary.ts";
import { serveStaffDepot, settled, signInDashboard, suiteBrowser, tableIdle, type SuiteBrowser } from "./kit/browser.ts";
import { pdfDocument } from "./kit/images.ts";

const SHOTS = resolve(import.meta.dir, "../test-results/admin-ui");
const PASSWORD = "correct-horse-battery";
// Sign-in is rate limited per IP and email (5/min), so the admin tests share two admin accounts.
// finance2 does the money-moving writes (its own account, so its sign-in does not count against finance's).
const STAFF = { admin: "admin@kreditku.test", analyst: "analyst@kreditku.test", finance: "finance@kreditku.test", admin2: "admin2@kreditku.test", finance2: "finance2@kreditku.test" } as const;
const NIK = "3174012345670001";

let srv: Running;
let chromium: SuiteBrowser;

const DOC = new TextDecoder().decode(pdfDocument("payslip of Borrower 2"));
/** loan-4's credit balance (refunded in part through the dashboard) and the needs_attention payment's amount. */
const REFUNDABLE = 75_000;
const UNAPPLIED = 60_000;

function seed(depot: string) {
  const dbPath = join(depot, "data/main.db");
  mkdirSync(join(depot, "uploads/documents/bor-2"), { recursive: true });
  writeFileSync(join(depot, "uploads/documents/bor-2/doc-1"), DOC);
  const db = new Database(dbPath);
  const now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  const day = 86400_000;
  db.exec("PRAGMA foreign_keys = ON");
  const tx = db.transaction(() => {
    for (let b = 1; b <= 3; b++) {
      db.run("INSERT INTO users (id, role, phone, display_name, status, created_at, updated_at) VALUES (?, 'borrower', ?, ?, 'active', ?, ?)", [`bor-${b}`, `+62812000000${b}0`, `Borrower ${b}`, iso(10 * day), iso(10 * day)]);
    }
    db.run(
      `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
        monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone, emergency_relation, emergency_consent, created_at, updated_at)
       VALUES ('bor-1', ?, 'Siti Aminah', '1990-01-01', 'F', 'Jl. Merdeka 1', 'Jakarta', 'DKI Jakarta', '10110', 'employed', 8000000, 'BCA', '1234567890', 'Siti Aminah', 'Budi', '+6281299999999', 'sibling', 1, ?, ?)`,
      [NIK, iso(9 * day), iso(9 * day)],
    );
    const statuses = ["approved", "rejected", "manual_review", "active", "submitted"];
    for (let i = 1; i <= 32; i++) {
      const status = i === 1 ? "manual_review" : statuses[i % statuses.length];
      db.run(
        `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, submitted_at, created_at, updated_at)
         VALUES (?, ?, 'prod_reference_weekly', ?, ?, 50, 'weeks', 'consumptive', 110000, ?, ?, ?)`,
        [`app-${String(i).padStart(3, "0")}`, `bor-${(i % 3) + 1}`, status, 1_000_000 * ((i % 5) + 1), iso((i % 20) * day), iso((i % 20) * day), iso((i % 20) * day)],
      );
    }
    db.run("INSERT INTO application_events (application_id, from_status, to_status, actor, reason, at) VALUES ('app-001', NULL, 'submitted', 'bor-2', '', ?), ('app-001', 'submitted', 'manual_review', 'system', 'score in review band', ?)", [iso(2 * day), iso(2 * day - 1000)]);
    // a KYC document attached to app-001, its bytes in the depot's local blob store
    db.run(
      "INSERT INTO documents (id, user_id, kind, content_type, size_bytes, sha256, blob_key, filename, created_at) VALUES ('doc-1', 'bor-2', 'payslip', 'application/pdf', ?, ?, 'documents/bor-2/doc-1', 'payslip.pdf', ?)",
      [DOC.length, new Bun.CryptoHasher("sha256").update(DOC).digest("hex"), iso(2 * day)],
    );
    db.run("INSERT INTO application_documents (application_id, document_id) VALUES ('app-001', 'doc-1')");
    db.run("INSERT INTO fraud_hits (application_id, user_id, rule_id, severity, message, evidence_json, created_at) VALUES ('app-001', 'bor-2', 'velocity.device', 'review', 'Device used by 3 applicants in 24 h', '{}', ?)", [iso(2 * day)]);
    // Loans, each with a ledger that matches its schedule (GET /api/v1/admin/ledger/check proves it): loan-4 is paid
    // off with a credit balance (an overpayment) to refund, loan-5 is past the write-off threshold (180 DPD).
    let journal = 0;
    const post = (kind: string, ref: string, loanId: string | null, lines: [string, number, number][]) => {
      const total = lines.reduce((t, [, d]) => t + d, 0);
      journal = Number(db.run("INSERT INTO ledger_journals (kind, ref, loan_id, memo, total, posted_at) VALUES (?, ?, ?, 'seeded', ?, ?)", [kind, ref, loanId, total, iso(30 * day)]).lastInsertRowid);
      for (const [account, debit, credit] of lines) db.run("INSERT INTO ledger_lines (journal_id, account, loan_id, debit, credit) VALUES (?, ?, ?, ?, ?)", [journal, account, loanId, debit, credit]);
    };
    const loans = [
      ["loan-1", "app-003", 0, "active", 0],
      ["loan-2", "app-008", 12, "active", 0],
      ["loan-3", "app-013", 95, "delinquent", 0],
      ["loan-4", "app-018", 0, "paid_off", REFUNDABLE],
      ["loan-5", "app-023", 200, "delinquent", 0],
    ] as const;
    for (const [id, app, dpd, status, credit] of loans) {
      db.run(
        `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount, tenor, tenor_unit,
          interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, dpd, credit_balance_amount, disbursed_at, created_at, updated_at)
         VALUES (?, ?, 'bor-1', 'prod_reference_weekly', ?, 5000000, 500000, 0, 0, 5000000, 50, 'weeks', 'flat', 2000, 1000, 3, 'consumptive', '2026-01-01', '2026-12-17', ?, ?, ?, ?, ?)`,
        [id, app, status, dpd, credit, iso(40 * day), iso(40 * day), iso(40 * day)],
      );
      const paid = status === "paid_off";
      db.run(
        "INSERT INTO installments (id, loan_id, seq, due_date, principal_due, interest_due, fee_due, principal_paid, interest_paid, status, paid_at) VALUES (?, ?, 1, '2026-01-08', 100000, 10000, 0, ?, ?, ?, ?)",
        [`${id}-i1`, id, paid ? 100000 : 0, paid ? 10000 : 0, paid ? "paid" : "pending", paid ? iso(20 * day) : null],
      );
      post("seed.settled", id, id, [["principal_receivable", 100000, 0], ["interest_receivable", 10000, 0], ["cash", 0, 100000], ["interest_income", 0, 10000]]);
      if (paid) post("seed.payment", id, id, [["cash", 110000 + credit, 0], ["principal_receivable", 0, 100000], ["interest_receivable", 0, 10000], ["borrower_credit", 0, credit]]);
    }
    // A payment to a VA nobody issued: held in suspense (Dr cash / Cr unapplied_cash) until finance resolves it.
    db.run(
      `INSERT INTO payments (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, unapplied_amount, created_at, updated_at)
       VALUES ('pay-na-1', 'standard', 'gw-na-1', '8808000000007777', NULL, ?, ?, 'needs_attention', 'unknown_virtual_account', ?, 'webhook', ?, ?, ?)`,
      [UNAPPLIED, iso(day), JSON.stringify({ paymentId: "pay-na-1", providerPaymentId: "gw-na-1", loanId: null, amount: UNAPPLIED, status: "needs_attention", reason: "unknown_virtual_account" }), UNAPPLIED, iso(day), iso(day)],
    );
    post("payment", "pay-na-1", null, [["cash", UNAPPLIED, 0], ["unapplied_cash", 0, UNAPPLIED]]);
    // and one finance sends back to the payer (records the bank transfer that returned it)
    db.run(
      `INSERT INTO payments (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, unapplied_amount, created_at, updated_at)
       VALUES ('pay-na-2', 'standard', 'gw-na-2', '8808000000008888', NULL, 25000, ?, 'needs_attention', 'unknown_virtual_account', ?, 'webhook', 25000, ?, ?)`,
      [iso(day), JSON.stringify({ paymentId: "pay-na-2", providerPaymentId: "gw-na-2", loanId: null, amount: 25000, status: "needs_attention", reason: "unknown_virtual_account" }), iso(day), iso(day)],
    );
    post("payment", "pay-na-2", null, [["cash", 25000, 0], ["unapplied_cash", 0, 25000]]);
    db.run(
      `INSERT INTO webhook_events (provider, kind, event_id, verified, status, failure_reason, headers, body, received_at, updated_at)
       VALUES ('standard', 'payment', 'evt-failed-1', 1, 'failed', 'database busy', '{}', ?, ?, ?), ('standard', 'payment', 'evt-ok-1', 1, 'applied', NULL, '{}', '{}', ?, ?)`,
      [
        // a verified payment whose effect crashed: replay applies it (to an unknown VA, so it lands in needs_attention)
        JSON.stringify({ type: "payment.succeeded", data: { payment_id: "pay-ui-1", va_number: "8808000000009999", amount: 110000, currency: "IDR", paid_at: iso(day) } }),
        iso(day),
        iso(day),
        iso(day),
        iso(day),
      ],
    );
    // a job that ran out of attempts (a registered job, so a retry from the Jobs page runs it to completion)
    db.run(
      `INSERT INTO outbox (key, kind, name, queue, payload, state, attempts, max_attempts, run_at, last_error, created_at, updated_at)
       VALUES ('ui-dead-purge', 'job', 'outbox.purge', 'owner', '{}', 'dead', 3, 3, ?, 'database is locked', ?, ?)`,
      [now - day, now - day, now - day],
    );
  });
  tx();
  db.close();
}

const newPage = (width = 1280, height = 800) => chromium.newPage({ width, height });
const signIn = (page: Page, email: string, base = srv.url) => signInDashboard(page, base, email, PASSWORD);

const navLabels = (page: Page) => page.locator("nav.sidebar a").allInnerTexts();

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A known port, so the WebAuthn relying-party origin can be http://localhost:<port> (passkey test).
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  srv = await serveStaffDepot({
    prefix: "kreditku-ui-",
    staff: STAFF,
    password: PASSWORD,
    seed,
    start: { args: ["--port", String(port)], env: { KREDITKU_RP_ID: "localhost", KREDITKU_RP_ORIGINS: `http://localhost:${port}` } },
  });
  chromium = await suiteBrowser();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  srv?.cleanup();
});

describe("admin dashboard", () => {
  test("served from the binary: index no-cache, hashed assets immutable, deep links fall back to the app", async () => {
    const index = await fetch(`${srv.url}/_/admin/applications/app-001`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const js = /src="(\/_\/admin\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(js).toBeTruthy();
    const asset = await fetch(srv.url + js);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${srv.url}/_/admin/assets/missing-00000000.js`)).status).toBe(404);
  }, 60_000);

  test("wrong password is refused with a message; no session is kept", async () => {
    const { page } = await newPage();
    await page.goto(`${srv.url}/_/admin/login`);
    await page.getByLabel("Email").fill(STAFF.admin);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("alert").innerText()).resolves.toContain("wrong");
    await page.goto(`${srv.url}/_/admin/loans`);
    await page.waitForURL(/\/login$/);
  }, 60_000);

  test("admin: every page renders without errors; screenshots", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin);
    const labels = await navLabels(page);
    expect(labels).toEqual(["Overview", "Applications", "Borrowers", "Loans", "Payments", "Webhook log", "Collections", "Ledger", "Products", "Blocklist", "Audit trail", "Approvals", "Jobs", "Staff", "Fraud rules", "Stuck in checking", "Roll rates", "Regulatory caps", "Write-off and sweep"]);
    for (const label of labels) {
      await page.locator("nav.sidebar a", { hasText: label }).first().click();
      await page.getByRole("heading", { level: 1, name: label }).waitFor();
      await settled(page);
      expect(await page.locator(".state.error").count(), label).toBe(0);
      await page.screenshot({ path: join(SHOTS, `admin-${label.toLowerCase().replace(/\s+/g, "-")}.png`), fullPage: true });
    }
    // overview shows the charts drawn from the seeded data
    await page.locator("nav.sidebar a", { hasText: "Overview" }).click();
    await settled(page);
    await page.locator(".recharts-surface").first().waitFor();
    expect(await page.getByTestId("kpi-approval").innerText()).toMatch(/%/);
    // the disbursed card is all-time, next to the 30-day approval card: it says so
    expect(await page.getByTestId("kpi-disbursed-label").innerText()).toBe("Disbursed (all time)");
    // outstanding and TWP90 are the portfolio API's figures (one definition: principal + interest + fees)
    const adminToken = await page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session")!).accessToken);
    const portfolio = (await (await fetch(`${srv.url}/api/v1/admin/portfolio/summary`, { headers: { Authorization: `Bearer ${adminToken}` } })).json()) as any;
    expect(portfolio.totalOutstandingAmount).toBeGreaterThan(0);
    expect(Number((await page.getByTestId("kpi-outstanding").innerText()).replace(/[^\d-]/g, ""))).toBe(portfolio.totalOutstandingAmount);
    expect(await page.getByTestId("kpi-twp90").innerText()).toBe(`${(portfolio.twp90 * 100).toFixed(1).replace(".", ",")} %`);
    // the audit trail lists this admin's sign-in
    await page.locator("nav.sidebar a", { hasText: "Audit trail" }).click();
    await settled(page);
    await page.getByRole("cell", { name: "Signed in" }).first().waitFor();
    // write-offs are allowed to admins, refunds and payment resolution to finance only (the routes' access)
    await page.goto(`${srv.url}/_/admin/loans/loan-5`);
    await settled(page);
    await page.getByRole("region", { name: "Finance actions" }).getByRole("button", { name: "Write off" }).waitFor();
    // the schedule shows the API's derived status: the stored column says "pending" for an instalment past its due date
    await tableIdle(page, "installments");
    expect(await page.locator("section[data-record=installments] tbody tr").first().getByTestId("instalment-status").innerText()).toBe("Overdue");
    await page.goto(`${srv.url}/_/admin/loans/loan-4`);
    await settled(page);
    await tableIdle(page, "installments");
    expect(await page.locator("section[data-record=installments] tbody tr").first().getByTestId("instalment-status").innerText()).toBe("Paid");
    expect(await page.getByRole("button", { name: "Refund credit balance" }).count()).toBe(0);
    await page.goto(`${srv.url}/_/admin/payments`);
    await settled(page);
    await tableIdle(page, "payments");
    expect(await page.getByRole("button", { name: "Resolve" }).count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  test("applications queue: filter, paginate, open an application with its timeline and fraud hits", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.analyst);
    await page.locator("nav.sidebar a", { hasText: "Applications" }).click();
    await settled(page);
    // default filter is the manual-review queue
    const queueRows = page.locator("section[data-record=applications] tbody tr");
    expect(await queueRows.count()).toBeGreaterThan(0);
    expect(await page.locator("section[data-record=applications] tbody tr td:nth-child(2)").allInnerTexts()).toEqual(expect.arrayContaining(["Manual review"]));
    // all statuses: 32 rows over two pages
    await page.locator("form.filters select[name=status]").selectOption("");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("32 total").waitFor();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("page 2").waitFor();
    await tableIdle(page, "applications");
    expect(await queueRows.count()).toBe(7);
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByText("page 1").waitFor();
    // search by id
    await page.getByLabel("Search").fill("app-001");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("1 total").waitFor();
    await page.getByRole("link", { name: "app-001" }).click();
    await page.getByTestId("app-status").waitFor();
    await settled(page);
    expect(await page.getByTestId("app-status").innerText()).toBe("Manual review");
    expect(await page.getByTestId("timeline").innerText()).toContain("score in review band");
    await page.getByRole("cell", { name: "velocity.device" }).waitFor();
    // documents open through short-lived signed URLs
    const doc = page.getByTestId("documents").getByRole("link", { name: "Payslip (payslip.pdf)" });
    const href = await doc.getAttribute("href");
    expect(href).toContain("/files/");
    const file = await fetch(new URL(href!, srv.url));
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(DOC);
    await page.screenshot({ path: join(SHOTS, "analyst-application.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test("analyst: admin-only pages are hidden and forbidden; NIK is masked", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.analyst);
    const labels = await navLabels(page);
    expect(labels).toContain("Audit trail"); // the business trail only (no sign-ins, no IPs)
    expect(labels).not.toContain("Jobs");
    expect(labels).not.toContain("Webhook log");
    for (const path of ["jobs", "staff", "webhooks", "ledger"]) {
      await page.goto(`${srv.url}/_/admin/${path}`);
      await page.getByTestId("forbidden").waitFor();
    }
    await page.goto(`${srv.url}/_/admin/borrowers/bor-1`);
    await settled(page);
    await page.getByText("3174********0001").waitFor();
    expect(await page.content()).not.toContain(NIK);
    await page.screenshot({ path: join(SHOTS, "analyst-borrower.png"), fullPage: true });
    // no money-moving actions for an analyst: no Resolve on a needs_attention payment, no refund, no write-off
    await page.goto(`${srv.url}/_/admin/payments`);
    await settled(page);
    await tableIdle(page, "payments");
    await page.locator("section[data-record=payments] tbody tr", { hasText: "pay-na-1" }).getByText("Needs attention").waitFor();
    expect(await page.getByRole("button", { name: "Resolve" }).count()).toBe(0);
    // disbursements are there, only not for this role: the page says it is a permission, not a missing feature
    await page.getByTestId("record-forbidden").waitFor();
    expect(await page.getByTestId("record-forbidden").innerText()).toBe("Your role (Analyst) may not see disbursements.");
    expect(await page.getByTestId("not-available").count()).toBe(0);
    for (const loan of ["loan-4", "loan-5"]) {
      await page.goto(`${srv.url}/_/admin/loans/${loan}`);
      await settled(page);
      await tableIdle(page, "installments");
      expect(await page.getByRole("button", { name: /Refund credit balance|Write off/ }).count(), loan).toBe(0);
      expect(await page.getByRole("region", { name: "Finance actions" }).count(), loan).toBe(0);
    }
    // the API itself refuses, whatever the UI shows
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session")!).accessToken);
    const audit = await fetch(`${srv.url}/api/v1/records/audit_log`, { headers: { Authorization: `Bearer ${token}` } });
    expect(audit.status).toBe(403);
    for (const [method, path] of [["GET", "/api/v1/admin/jobs"], ["GET", "/api/v1/admin/jobs/summary"], ["POST", "/api/v1/admin/jobs/1/retry"]]) {
      expect((await fetch(srv.url + path, { method, headers: { Authorization: `Bearer ${token}` } })).status, path).toBe(403);
      expect((await fetch(srv.url + path, { method })).status, path).toBe(401);
    }
    // the one expected refusal: the dashboard asking whether disbursements are forbidden or absent
    expect(errors.filter((e) => !(e.includes("status of 403") && e.includes("/api/v1/records/disbursements")))).toEqual([]);
  }, 60_000);

  test("finance: sees money pages, not borrowers; sign out ends the session", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.finance);
    const labels = await navLabels(page);
    expect(labels).toEqual(expect.arrayContaining(["Payments", "Webhook log", "Ledger", "Collections"]));
    expect(labels).not.toContain("Borrowers");
    await page.locator("nav.sidebar a", { hasText: "Webhook log" }).click();
    await settled(page);
    await page.getByRole("cell", { name: "evt-failed-1" }).waitFor();
    await page.locator("nav.sidebar a", { hasText: "Collections" }).click();
    await settled(page);
    await page.locator("nav.sidebar a", { hasText: "Ledger" }).click();
    await settled(page);
    expect(await page.getByTestId("balanced").innerText()).toContain("balanced");
    await page.goto(`${srv.url}/_/admin/borrowers`);
    await page.getByTestId("forbidden").waitFor();
    // an access token the server refuses is replaced once through the refresh token (rotated), invisibly
    const KEY = "kreditku.admin.session";
    const before = await page.evaluate((k) => {
      const s = JSON.parse(localStorage.getItem(k)!);
      const refresh = s.refreshToken;
      s.accessToken = "not-a-valid-token";
      localStorage.setItem(k, JSON.stringify(s));
      return refresh;
    }, KEY);
    await page.goto(`${srv.url}/_/admin/payments`);
    await page.getByRole("heading", { level: 1, name: "Payments" }).waitFor();
    await settled(page);
    expect(await page.locator(".state.error").count()).toBe(0);
    const after = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)!), KEY);
    expect(after.refreshToken).not.toBe(before);
    expect(after.accessToken).not.toBe("not-a-valid-token");
    const refused = errors.filter((e) => e.includes("status of 401"));
    expect(refused.length).toBeGreaterThan(0);
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes("status of 401")));
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${srv.url}/_/admin/payments`);
    await page.waitForURL(/\/login$/);
    expect(errors).toEqual([]);
  }, 60_000);

  test("analyst reviews and approves an application from the queue; the note is required", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.analyst);
    await page.locator("nav.sidebar a", { hasText: "Applications" }).click();
    await settled(page);
    await page.getByRole("link", { name: "app-002" }).click();
    await page.getByTestId("app-status").waitFor();
    await settled(page);
    const submit = page.getByRole("button", { name: "Submit decision" });
    await page.getByLabel("Approve").check();
    expect(await submit.isDisabled()).toBe(true);
    await page.getByLabel("Note (required)").fill("Payslip matches declared income");
    expect(await submit.isDisabled()).toBe(false);
    await submit.click();
    await page.getByRole("button", { name: "Confirm decision" }).click();
    await page.waitForFunction(() => document.querySelector("[data-testid=app-status]")?.getAttribute("data-status") === "approved", undefined, { timeout: 10_000 });
    await page.getByTestId("timeline").getByText("Payslip matches declared income").waitFor();
    expect(await page.getByRole("form", { name: "Decision" }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "analyst-approved.png"), fullPage: true });
    // the queue no longer lists it
    await page.getByRole("link", { name: "← Applications" }).click();
    await settled(page);
    await tableIdle(page, "applications");
    expect(await page.getByRole("link", { name: "app-002" }).count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  test("admin replays a failed webhook from the log", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin);
    await page.locator("nav.sidebar a", { hasText: "Webhook log" }).click();
    await settled(page);
    const row = page.locator("section[data-record=webhook_events] tbody tr", { hasText: "evt-failed-1" });
    expect(await row.locator("td:nth-child(2)").innerText()).toBe("Failed");
    expect(await page.locator("section[data-record=webhook_events] tbody tr", { hasText: "evt-ok-1" }).getByRole("button", { name: "Replay" }).count()).toBe(0);
    await row.getByRole("button", { name: "Replay" }).click();
    await page.getByText(/Event \d+ replayed/).waitFor();
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll("section[data-record=webhook_events] tbody tr")).some((tr) => tr.textContent?.includes("evt-failed-1") && tr.children[1]?.textContent === "Needs attention"),
      undefined,
      { timeout: 10_000 },
    );
    expect(await row.getByRole("button", { name: "Replay" }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "admin-webhook-replayed.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test("admin sees the jobs summary and retries a dead job from the Jobs page", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin2);
    await page.locator("nav.sidebar a", { hasText: "Jobs" }).click();
    await page.getByRole("heading", { level: 1, name: "Jobs" }).waitFor();
    await settled(page);
    await tableIdle(page, "jobs");
    const summary = page.getByTestId("jobs-summary");
    const deadBefore = Number(await page.getByTestId("jobs-dead").innerText());
    expect(deadBefore).toBeGreaterThanOrEqual(1);
    await summary.getByRole("row", { name: /outbox\.purge/ }).waitFor();
    expect(await page.getByTestId("jobs-lag").innerText()).toMatch(/\d/);
    const row = page.locator("section[data-record=jobs] tbody tr", { hasText: "ui-dead-purge" });
    expect(await row.locator("td:nth-child(5)").innerText()).toBe("Failed for good");
    expect(await row.innerText()).toContain("database is locked");
    // only dead rows offer Retry
    const rows = page.locator("section[data-record=jobs] tbody tr");
    for (let i = 0; i < (await rows.count()); i++) {
      const state = await rows.nth(i).locator("td:nth-child(5)").innerText();
      expect(await rows.nth(i).getByRole("button", { name: "Retry" }).count()).toBe(state === "Failed for good" ? 1 : 0);
    }
    await page.screenshot({ path: join(SHOTS, "admin-jobs-dead.png"), fullPage: true });
    await row.getByRole("button", { name: "Retry" }).click();
    await page.getByText(/Job \d+ \(outbox\.purge\) queued again\./).waitFor();
    // the table and the summary refresh: the row is no longer dead
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll("section[data-record=jobs] tbody tr")).some((tr) => tr.textContent?.includes("ui-dead-purge") && tr.children[4]?.textContent !== "Failed for good"),
      undefined,
      { timeout: 10_000 },
    );
    expect(await row.getByRole("button", { name: "Retry" }).count()).toBe(0);
    // the embedded runner runs it to completion
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session")!).accessToken);
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    let state = "";
    for (let i = 0; i < 50 && state !== "completed"; i++) {
      const list = (await (await fetch(`${srv.url}/api/v1/admin/jobs?limit=100`, auth)).json()) as any;
      state = list.items.find((j: any) => j.key === "ui-dead-purge")?.state;
      if (state !== "completed") await Bun.sleep(200);
    }
    expect(state).toBe("completed");
    // a second retry of a completed job is refused (409), a job that does not exist is 404
    const id = (await (await fetch(`${srv.url}/api/v1/records/jobs?filter[key]=ui-dead-purge`, auth)).json() as any).items[0].id;
    const again = await fetch(`${srv.url}/api/v1/admin/jobs/${id}/retry`, { method: "POST", ...auth });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    expect((await fetch(`${srv.url}/api/v1/admin/jobs/99999999/retry`, { method: "POST", ...auth })).status).toBe(404);
    await page.reload();
    await settled(page);
    await page.waitForFunction((n) => Number(document.querySelector("[data-testid=jobs-dead]")?.textContent) === n, deadBefore - 1, { timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, "admin-jobs-retried.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  test("admin creates and edits a product; a product over the regulatory cap is refused with the reason", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin);
    await page.locator("nav.sidebar a", { hasText: "Products" }).click();
    await settled(page);
    await page.getByRole("button", { name: "New product" }).click();
    const form = page.getByRole("form", { name: "Product editor" });
    await form.getByLabel("Code").fill("KK-MONTHLY-6");
    await form.getByLabel("Name").fill("Pinjaman Bulanan");
    await form.getByLabel("Interest rate (% per month)").fill("30");
    await form.getByLabel("Description").fill("Monthly instalments over six months");
    // the refused save is a 422 the browser logs; only that one is expected
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByRole("alert").innerText()).resolves.toContain("regulatory cap");
    await form.getByLabel("Interest rate (% per month)").fill("1");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByRole("form", { name: "Product editor" }).waitFor({ state: "detached" });
    const row = page.locator("section[data-record=products] tbody tr", { hasText: "KK-MONTHLY-6" });
    await row.waitFor();
    await row.getByRole("button", { name: "Edit" }).click();
    await form.getByLabel("Name").fill("Pinjaman Bulanan Plus");
    await form.getByRole("button", { name: "Save" }).click();
    const edited = page.locator("section[data-record=products] tbody tr", { hasText: "Pinjaman Bulanan Plus" });
    await edited.waitFor();
    // the edit kept what the user did not touch (the record list has no description column; the editor loads the product)
    await edited.getByRole("button", { name: "Edit" }).click();
    await expect(form.getByLabel("Name").inputValue()).resolves.toBe("Pinjaman Bulanan Plus");
    await expect(form.getByLabel("Description").inputValue()).resolves.toBe("Monthly instalments over six months");
    await expect(form.getByLabel("Interest rate (% per month)").inputValue()).resolves.toBe("1");
    await form.getByRole("button", { name: "Cancel" }).click();
    expect(errors.filter((e) => !(e.includes("status of 422") && e.includes("/api/v1/admin/products")))).toEqual([]);
  }, 60_000);

  test("blocklist: admin blocks a NIK; analysts see it masked", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin2);
    await page.locator("nav.sidebar a", { hasText: "Blocklist" }).click();
    await settled(page);
    const form = page.getByRole("form", { name: "Add to blocklist" });
    await form.getByLabel("Value").fill("3174012345670002");
    await form.getByLabel("Reason").fill("Confirmed identity fraud");
    await form.getByRole("button", { name: "Block" }).click();
    await page.locator("section[data-record=blocklist] tbody tr", { hasText: "Confirmed identity fraud" }).waitFor();
    expect(await page.locator("section[data-record=blocklist] tbody").innerText()).toContain("3174012345670002");
    const analyst = await newPage();
    await signIn(analyst.page, STAFF.analyst);
    await analyst.page.locator("nav.sidebar a", { hasText: "Blocklist" }).click();
    await settled(analyst.page);
    await analyst.page.getByRole("cell", { name: "3174********0002" }).waitFor();
    expect(await analyst.page.getByRole("form", { name: "Add to blocklist" }).count()).toBe(0);
    expect(await analyst.page.content()).not.toContain("3174012345670002");
    expect([...errors, ...analyst.errors]).toEqual([]);
  }, 60_000);

  test("finance resolves a needs_attention payment, refunds a credit balance and writes a loan off; the ledger still proves", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.finance2);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session")!).accessToken);
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const get = async (path: string) => {
      const res = await fetch(srv.url + path, auth);
      expect(res.status, path).toBe(200);
      return (await res.json()) as any;
    };
    const db = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    const keys = (prefix: string) => db.query<{ key: string; status: number }, [string]>("SELECT key, status FROM idempotency_keys WHERE key LIKE ? ORDER BY created_at").all(`${prefix}%`);
    try {
      expect(await get("/api/v1/admin/ledger/check")).toMatchObject({ ok: true, discrepancies: [] });

      // 1. Payments: only needs_attention rows offer Resolve
      await page.locator("nav.sidebar a", { hasText: "Payments" }).click();
      await settled(page);
      await tableIdle(page, "payments");
      const rows = page.locator("section[data-record=payments] tbody tr");
      for (let i = 0; i < (await rows.count()); i++) {
        const status = await rows.nth(i).locator("td:nth-child(2)").innerText();
        expect(await rows.nth(i).getByRole("button", { name: "Resolve" }).count()).toBe(status === "Needs attention" ? 1 : 0);
      }
      const row = rows.filter({ hasText: "pay-na-1" });
      await row.getByRole("button", { name: "Resolve" }).click();
      const resolve = page.getByRole("dialog", { name: "Resolve payment pay-na-1" });
      const next = resolve.getByRole("button", { name: "Continue" });
      expect(await next.isDisabled()).toBe(true); // the loan id is required
      // a loan that does not exist: the problem's detail is shown, the dialog stays open
      await resolve.getByLabel("Loan id (required)").fill("loan-nope");
      await next.click();
      await resolve.getByRole("button", { name: "Apply to loan" }).click();
      await expect(resolve.getByRole("alert").innerText()).resolves.toBe("Loan not found");
      await page.screenshot({ path: join(SHOTS, "finance-resolve-error.png") });
      await resolve.getByRole("button", { name: "Back" }).click();
      await resolve.getByLabel("Loan id (required)").fill("loan-1");
      await page.screenshot({ path: join(SHOTS, "finance-resolve-dialog.png") });
      await next.click();
      expect(await resolve.getByTestId("confirm-step").innerText()).toContain("applied to loan loan-1");
      await page.screenshot({ path: join(SHOTS, "finance-resolve-confirm.png") });
      await resolve.getByRole("button", { name: "Apply to loan" }).click();
      await resolve.waitFor({ state: "detached" });
      expect(await page.getByTestId("action-notice").innerText()).toContain("Payment pay-na-1 applied to loan loan-1");
      // the table refreshed: applied, no Resolve any more
      await page.waitForFunction(
        () => Array.from(document.querySelectorAll("section[data-record=payments] tbody tr")).some((tr) => tr.textContent?.includes("pay-na-1") && tr.children[1]?.textContent === "Applied"),
        undefined,
        { timeout: 10_000 },
      );
      expect(await row.getByRole("button", { name: "Resolve" }).count()).toBe(0);
      const paid = (await get("/api/v1/admin/payments?loanId=loan-1")).items.find((p: any) => p.id === "pay-na-1");
      expect(paid).toMatchObject({ status: "applied", loanId: "loan-1", unappliedAmount: 0, resolution: "loan:loan-1" });
      const inst = (await get("/api/v1/records/installments?filter[loan_id]=loan-1")).items[0];
      expect([inst.interest_paid, inst.principal_paid, inst.status]).toEqual([10_000, UNAPPLIED - 10_000, "partial"]);
      // one key per attempt, each naming the payment: the refused attempt's key was not reused for the corrected body
      const resolveKeys = keys("resolve-pay-na-1-");
      expect(resolveKeys.map((k) => k.status)).toEqual([404, 200]);
      expect(new Set(resolveKeys.map((k) => k.key)).size).toBe(2);
      // the other way out: record the refund of a payment nobody can claim
      await rows.filter({ hasText: "pay-na-2" }).getByRole("button", { name: "Resolve" }).click();
      const back = page.getByRole("dialog", { name: "Resolve payment pay-na-2" });
      await back.getByLabel("Refund to the payer").check();
      expect(await back.getByRole("button", { name: "Continue" }).isDisabled()).toBe(true); // the transfer reference is required
      await back.getByLabel("Transfer reference (required)").fill("MANDIRI-RTN-7781");
      await back.getByRole("button", { name: "Continue" }).click();
      expect(await back.getByTestId("confirm-step").innerText()).toContain("MANDIRI-RTN-7781");
      await page.screenshot({ path: join(SHOTS, "finance-resolve-refund-confirm.png") });
      await back.getByRole("button", { name: "Record refund" }).click();
      await back.waitFor({ state: "detached" });
      expect(await page.getByTestId("action-notice").innerText()).toContain("Payment pay-na-2 recorded as refunded (transfer MANDIRI-RTN-7781)");
      const returned = (await get("/api/v1/admin/payments?limit=200")).items.find((p: any) => p.id === "pay-na-2");
      expect(returned).toMatchObject({ status: "applied", reason: "refunded", unappliedAmount: 0, resolution: "refund:MANDIRI-RTN-7781" });
      expect(keys("resolve-pay-na-2-").map((k) => k.status)).toEqual([200]);

      // 2. Loan page: refund part of loan-4's credit balance
      await page.goto(`${srv.url}/_/admin/loans/loan-4`);
      await settled(page);
      await page.getByRole("button", { name: "Refund credit balance" }).click();
      const refund = page.getByRole("dialog", { name: "Refund credit balance of loan loan-4" });
      const amount = refund.getByLabel(/Amount in rupiah/);
      expect(await amount.inputValue()).toBe(String(REFUNDABLE));
      const cont = refund.getByRole("button", { name: "Continue" });
      await refund.getByLabel("Transfer reference (required)").fill("BCA-TRF-20261124-001");
      expect(await cont.isDisabled()).toBe(true); // the reason is required
      await refund.getByLabel("Reason (required)").fill("Overpayment returned to the borrower");
      expect(await cont.isDisabled()).toBe(false);
      await amount.fill(String(REFUNDABLE + 1)); // more than the credit balance
      expect(await cont.isDisabled()).toBe(true);
      await amount.fill("30000");
      await page.screenshot({ path: join(SHOTS, "finance-refund-dialog.png") });
      await cont.click();
      expect(await refund.getByTestId("confirm-step").innerText()).toContain("BCA-TRF-20261124-001");
      await page.screenshot({ path: join(SHOTS, "finance-refund-confirm.png") });
      await refund.getByRole("button", { name: "Record refund" }).click();
      await refund.waitFor({ state: "detached" });
      expect(await page.getByTestId("action-notice").innerText()).toContain("credit balance now Rp 45.000");
      // the loan and its refunds refreshed
      await page.locator(".fields div", { hasText: "Credit balance" }).getByText("Rp 45.000").waitFor();
      await page.locator("section[data-record=refunds] tbody tr", { hasText: "Overpayment returned to the borrower" }).waitFor();
      await page.screenshot({ path: join(SHOTS, "finance-refunded.png"), fullPage: true });
      expect((await get("/api/v1/records/loans/loan-4")).credit_balance_amount).toBe(REFUNDABLE - 30_000);
      expect(db.query("SELECT amount, transfer_reference, reason FROM refunds WHERE loan_id = 'loan-4'").all()).toEqual([
        { amount: 30_000, transfer_reference: "BCA-TRF-20261124-001", reason: "Overpayment returned to the borrower" },
      ]);
      expect(keys("refund-loan-4-").map((k) => k.status)).toEqual([201]);

      // 3. Loan page: write off loan-5 (200 DPD ≥ 180); loan-3 (95 DPD) offers no write-off
      await page.goto(`${srv.url}/_/admin/loans/loan-3`);
      await settled(page);
      await tableIdle(page, "installments");
      expect(await page.getByRole("button", { name: "Write off" }).count()).toBe(0);
      await page.goto(`${srv.url}/_/admin/loans/loan-5`);
      await settled(page);
      await page.getByRole("region", { name: "Finance actions" }).getByRole("button", { name: "Write off" }).click();
      const wo = page.getByRole("dialog", { name: "Write off loan loan-5" });
      await wo.getByLabel("Reason (required)").fill("Uncollectable: borrower unreachable for 200 days");
      await wo.getByRole("button", { name: "Continue" }).click();
      await page.screenshot({ path: join(SHOTS, "finance-write-off-confirm.png") });
      await wo.getByRole("button", { name: "Write off" }).click();
      await wo.waitFor({ state: "detached" });
      await page.waitForFunction(() => document.querySelector("[data-testid=loan-status]")?.getAttribute("data-status") === "written_off", undefined, { timeout: 10_000 });
      expect(await page.getByTestId("action-notice").innerText()).toContain("Loan loan-5 written off (Rp 110.000)");
      expect(await page.getByRole("button", { name: "Write off" }).count()).toBe(0);
      expect((await get("/api/v1/records/write_offs/loan-5")).total_amount).toBe(110_000);
      expect(keys("write-off-loan-5-").map((k) => k.status)).toEqual([201]);

      // the book still proves: suspense emptied, receivables match the schedules, credit balances match
      expect(await get("/api/v1/admin/ledger/check")).toMatchObject({ ok: true, discrepancies: [] });
    } finally {
      db.close();
    }
    // the only console error is the refused resolve (404) the dialog showed
    expect(errors.filter((e) => !(e.includes("status of 404") && e.includes("/resolve")))).toEqual([]);
  }, 60_000);

  test("finance records funding on the ledger page: one balanced journal, cash mirrors the bank", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.finance);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session")!).accessToken);
    const check = async () => (await (await fetch(`${srv.url}/api/v1/admin/ledger/check`, { headers: { Authorization: `Bearer ${token}` } })).json()) as any;
    const rp = (text: string) => Number(text.replace(/\u2212/g, "-").replace(/[^\d-]/g, ""));
    await page.locator("nav.sidebar a", { hasText: "Ledger" }).click();
    await settled(page);
    const before = (await check()).figures;
    // disbursed money no recorded funding brought in: cash below zero, and the page says why
    expect(before.cashNegative).toBe(true);
    await page.getByTestId("cash-negative").waitFor();
    expect(rp(await page.getByTestId("cash-amount").innerText())).toBe(before.cashAmount);
    const form = page.getByRole("form", { name: "Record funding" });
    await form.getByLabel("Source").selectOption("capital");
    await form.getByLabel("Amount (Rp)").fill("20000000");
    await form.getByLabel("Bank reference").fill("BCA-TRF-UI-0001");
    await form.getByLabel("Reason").fill("Capital injection for the book");
    await form.getByRole("button", { name: "Post funding journal" }).click();
    await page.getByTestId("funding-notice").waitFor();
    const after = await check();
    expect(after).toMatchObject({ ok: true, figures: { cashAmount: before.cashAmount + 20_000_000, fundingCapitalAmount: before.fundingCapitalAmount + 20_000_000, cashNegative: false } });
    await page.waitForFunction((n) => document.querySelector("[data-testid=cash-amount]")?.textContent?.replace(/[^\d-]/g, "") === String(n), after.figures.cashAmount);
    expect(await page.getByTestId("cash-negative").count()).toBe(0);
    expect(await page.getByTestId("balanced").innerText()).toContain("balanced");
    // the same reference again is refused with the reason (one journal per bank transfer)
    await form.getByLabel("Amount (Rp)").fill("20000000");
    await form.getByLabel("Bank reference").fill("BCA-TRF-UI-0001");
    await form.getByLabel("Reason").fill("Capital injection for the book");
    await form.getByRole("button", { name: "Post funding journal" }).click();
    await expect(form.getByRole("alert").innerText()).resolves.toContain("BCA-TRF-UI-0001");
    expect((await check()).figures.cashAmount).toBe(after.figures.cashAmount);
    await page.screenshot({ path: join(SHOTS, "finance-ledger-funding.png"), fullPage: true });
    expect(errors.filter((e) => !(e.includes("status of 409") && e.includes("/api/v1/admin/ledger/funding")))).toEqual([]);
  }, 60_000);

  test("passkey: add one on the account page, sign out, sign in with it", async () => {
    const { page, errors } = await newPage();
    const base = `http://localhost:${srv.port}`;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await signIn(page, STAFF.finance, base);
    await page.getByTestId("who").click();
    await page.getByRole("heading", { level: 1, name: "Account" }).waitFor();
    await settled(page);
    await page.getByLabel("Device name").fill("Test authenticator");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("cell", { name: "Test authenticator" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByTestId("who").waitFor({ state: "attached" });
    expect(await page.getByTestId("who").innerText()).toContain(STAFF.finance);
    expect(errors).toEqual([]);
  }, 60_000);

  test("tablet width: menu toggles, pages stay usable", async () => {
    const { page, errors } = await newPage(820, 1180);
    await signIn(page, STAFF.admin2);
    expect(await page.locator("nav.sidebar").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await page.locator("nav.sidebar a", { hasText: "Loans" }).click();
    await page.getByRole("heading", { level: 1, name: "Loans" }).waitFor();
    await settled(page);
    expect(await page.locator("nav.sidebar").isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, "tablet-loans.png"), fullPage: true });
    await page.goto(`${srv.url}/_/admin/`);
    await settled(page);
    await page.screenshot({ path: join(SHOTS, "tablet-overview.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
