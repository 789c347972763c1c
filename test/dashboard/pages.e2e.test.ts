// Dashboard pages in Chromium against the built binary: staff management (create, role change, disable signs the
// user's open tab out, the last admin protected), fraud rules, regulatory caps, collections settings and the sweep,
// stuck applications, the roll-rate chart (figures equal to the API), the failed-jobs filter, the blocklist (field
// errors, confirmed removal, removed entries marked), one sign-in shared by two tabs, the account link at tablet
// width, and the API reference at /api/docs (Scalar, same origin only, no CSP errors). Screenshots in
// test-results/dashboard/.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { Database } from "bun:sqlite";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import type { Running } from "../kit/binary.ts";
import { apiAs, serveStaffDepot, settled, signInDashboard, suiteBrowser, watchErrors, type SuiteBrowser } from "../kit/browser.ts";

const SHOTS = resolve(import.meta.dir, "../../test-results/dashboard");
const PASSWORD = "correct-horse-battery";
// Sign-in is rate limited per IP + email (5/min): each test signs in with accounts of its own.
const STAFF = {
  admin: "pages-admin@kreditku.test",
  admin2: "pages-admin2@kreditku.test",
  admin3: "pages-admin3@kreditku.test",
  admin4: "pages-admin4@kreditku.test",
  analyst: "pages-analyst@kreditku.test",
  analyst2: "pages-analyst2@kreditku.test",
  finance: "pages-finance@kreditku.test",
  finance2: "pages-finance2@kreditku.test",
} as const;

let srv: Running;
let chromium: SuiteBrowser;

const newPage = (width = 1280, height = 800) => chromium.newPage({ width, height });
const signIn = (page: Page, email: string) => signInDashboard(page, srv.url, email, PASSWORD);

const DAY = 86_400_000;
/** A Jakarta calendar day, `days` days before today. */
const jakartaDay = (daysAgo: number) => new Date(Date.now() + 7 * 3600_000 - daysAgo * DAY).toISOString().slice(0, 10);
const SNAPSHOT_FROM = jakartaDay(20);
const SNAPSHOT_TO = jakartaDay(1);

function seed(depot: string) {
  const db = new Database(join(depot, "data/main.db"));
  const now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  db.transaction(() => {
    db.run("INSERT INTO users (id, role, phone, display_name, status, created_at, updated_at) VALUES ('pg-bor-1', 'borrower', '+6281200000991', 'Dewi Lestari', 'active', ?, ?)", [iso(3 * DAY), iso(3 * DAY)]);
    // two applications stuck in checking (the limit is 30 minutes), one that is not yet
    for (const [id, ago] of [["pg-app-stuck-1", 3 * 3600_000], ["pg-app-stuck-2", 90 * 60_000], ["pg-app-fresh", 5 * 60_000]] as const) {
      db.run(
        `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, submitted_at, created_at, updated_at)
         VALUES (?, 'pg-bor-1', 'prod_reference_weekly', 'checking', 2000000, 10, 'weeks', 'consumptive', 220000, ?, ?, ?)`,
        [id, iso(ago), iso(ago), iso(ago)],
      );
    }
    // DPD snapshots on two days: four loans moving between buckets (roll rates)
    const snaps: [string, string, number, string][] = [
      ["pg-loan-1", "lancar", 0, "lancar"],
      ["pg-loan-2", "lancar", 0, "dpd_1_30"],
      ["pg-loan-3", "dpd_1_30", 12, "lancar"],
      ["pg-loan-4", "dpd_1_30", 25, "dpd_31_60"],
      ["pg-loan-5", "dpd_1_30", 5, "dpd_1_30"],
    ];
    for (const [loan, b1, dpd, b2] of snaps) {
      db.run("INSERT INTO dpd_snapshots (snapshot_date, loan_id, dpd, bucket, status, outstanding_amount) VALUES (?, ?, ?, ?, 'active', 1000000)", [SNAPSHOT_FROM, loan, dpd, b1]);
      db.run("INSERT INTO dpd_snapshots (snapshot_date, loan_id, dpd, bucket, status, outstanding_amount) VALUES (?, ?, ?, ?, 'active', 1000000)", [SNAPSHOT_TO, loan, dpd + 19, b2]);
    }
    // a job that failed once and waits (a day) for its retry, and one out of attempts
    db.run(
      `INSERT INTO outbox (key, kind, name, queue, payload, state, attempts, max_attempts, run_at, last_error, created_at, updated_at)
       VALUES ('pg-failed-purge', 'job', 'outbox.purge', 'owner', '{}', 'pending', 1, 5, ?, 'gateway timeout', ?, ?),
              ('pg-dead-purge', 'job', 'outbox.purge', 'owner', '{}', 'dead', 3, 3, ?, 'database is locked', ?, ?)`,
      [now + DAY, now - DAY, now - DAY, now - DAY, now - DAY, now - DAY],
    );
  })();
  db.close();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  srv = await serveStaffDepot({ prefix: "kreditku-pages-", staff: STAFF, password: PASSWORD, seed });
  chromium = await suiteBrowser();
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  srv?.cleanup();
});

describe("dashboard pages", () => {
  test("/api/docs: Scalar renders operations with examples and schema properties; same origin only, no CSP errors", async () => {
    const { page, errors } = await newPage();
    const origin = new URL(srv.url).origin;
    const foreign: string[] = [];
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (!["data:", "blob:"].includes(u.protocol) && u.origin !== origin) foreign.push(r.url());
    });
    const res = await page.goto(`${srv.url}/api/docs#tag/auth/POST/api/v1/auth/users`);
    expect(res!.headers()["content-security-policy"]).toContain("script-src 'self'");
    // an operation of the staff API: its request body's properties and its example (the curl "try it" sample)
    await page.getByText("Create a staff account (admin) with an initial password").first().waitFor({ timeout: 60_000 });
    const op = page.locator('[id="api-1/tag/auth/POST/api/v1/auth/users"]');
    await op.scrollIntoViewIfNeeded({ timeout: 30_000 });
    await op.getByText("displayName").first().waitFor({ timeout: 30_000 });
    // the request example (in the request sample; Scalar keeps the other samples in closed tabs)
    await op.getByText(/siti@kreditku\.id/).first().waitFor({ state: "attached", timeout: 30_000 });
    expect(await op.getByText(/siti@kreditku\.id/).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "api-docs.png") });
    // Markdown in descriptions is rendered: `last-admin` is code, not backticks
    const body = await page.locator("body").innerText();
    expect(body).not.toContain("`last-admin`");
    expect(body).not.toContain('"$ref"');
    // search and "try it" are there
    expect(await page.getByRole("button", { name: /search/i }).count()).toBeGreaterThan(0);
    expect(await page.getByRole("button", { name: /test request/i }).count()).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);

  test("fraud rules: a field error from the API beside the field; a velocity rule's threshold, window and severity saved", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin2);
    await page.goto(`${srv.url}/_/admin/fraud-rules`);
    await page.getByRole("heading", { level: 1, name: "Fraud rules" }).waitFor();
    await settled(page);
    const row = page.locator("tr[data-rule=velocity_phone]");
    // an empty threshold: the API refuses it (velocity rules need one) and the message sits beside the field
    await row.locator("input[name=threshold]").fill("");
    await row.getByRole("button", { name: "Save" }).click();
    await row.locator(".field-error[data-field=threshold]").waitFor();
    expect(await row.locator(".field-error[data-field=threshold]").innerText()).toContain("threshold");
    await row.locator("input[name=threshold]").fill("7");
    await row.locator("input[name=windowHours]").fill("48");
    await row.locator("select[name=severity]").selectOption("block");
    await row.getByRole("button", { name: "Save" }).click();
    await row.getByRole("status").waitFor();
    const rules = (await apiAs(page, "/api/v1/admin/fraud-rules")).body.items as any[];
    expect(rules.find((r) => r.id === "velocity_phone")).toMatchObject({ threshold: 7, windowHours: 48, severity: "block" });
    await page.screenshot({ path: join(SHOTS, "pages-fraud-rules.png"), fullPage: true });
    expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
  }, 120_000);

  test("regulatory caps (read-only, dated) and stuck applications: the rows of the API", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.analyst);
    await page.goto(`${srv.url}/_/admin/caps`);
    await page.getByRole("heading", { level: 1, name: "Regulatory caps" }).waitFor();
    await settled(page);
    const caps = (await apiAs(page, "/api/v1/records/regulatory_caps?limit=100")).body.items as any[];
    expect(caps.length).toBeGreaterThan(5);
    expect(await page.locator("tr[data-cap]").count()).toBe(caps.length);
    // dated: the 40 % income rule ended on 31 Dec 2025, the 30 % one applies from 1 Jan 2026
    const old = page.locator("tr[data-cap=ojk-income-40]");
    expect(await old.getByTestId("cap-to").innerText()).toContain("2025");
    expect(await old.getByTestId("cap-in-force").innerText()).toBe("—");
    const now = page.locator("tr[data-cap=ojk-income-30]");
    expect(await now.getByTestId("cap-from").innerText()).toContain("2026");
    expect(await now.getByTestId("cap-in-force").innerText()).toBe("in force");
    expect(await now.getByTestId("cap-value").innerText()).toBe("30 %");
    // read-only: no inputs or buttons in the table
    expect(await page.locator("table input, table button, table select").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "pages-caps.png"), fullPage: true });

    await page.locator("nav.sidebar a", { hasText: "Stuck in checking" }).click();
    await page.getByRole("heading", { level: 1, name: "Stuck in checking" }).waitFor();
    await settled(page);
    const stuck = (await apiAs(page, "/api/v1/admin/risk/stuck-applications")).body;
    expect(stuck.items.map((i: any) => i.applicationId).sort()).toEqual(["pg-app-stuck-1", "pg-app-stuck-2"]);
    expect((await page.locator("tr[data-application]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-application")))).sort()).toEqual(["pg-app-stuck-1", "pg-app-stuck-2"]);
    expect(await page.getByTestId("stuck-after").innerText()).toContain(`${stuck.stuckAfterMinutes} minutes`);
    await page.screenshot({ path: join(SHOTS, "pages-stuck-applications.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);

  test("roll rates: the chart renders and the table's figures are the API's", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.finance);
    await page.locator("nav.sidebar a", { hasText: "Roll rates" }).click();
    await page.getByRole("heading", { level: 1, name: "Roll rates" }).waitFor();
    await settled(page);
    const report = (await apiAs(page, "/api/v1/admin/portfolio/roll-rates")).body;
    expect(report.from).toBe(SNAPSHOT_FROM);
    expect(report.to).toBe(SNAPSHOT_TO);
    await page.getByTestId("roll-rate-chart").locator(".recharts-surface").first().waitFor();
    expect(await page.getByTestId("roll-rate-chart").locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    const pct = (r: number) => `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(r * 100)} %`;
    const withLoans = (report.rows as any[]).filter((r) => r.loans > 0);
    expect(withLoans.map((r) => r.from).sort()).toEqual(["dpd_1_30", "lancar"]);
    for (const r of report.rows as any[]) {
      const tr = page.locator(`tr[data-from=${r.from}]`);
      expect(await tr.getByTestId("loans").innerText()).toBe(String(r.loans));
      expect(await tr.getByTestId("roll-forward").innerText()).toBe(pct(r.rollForward));
      expect(await tr.getByTestId("cured").innerText()).toBe(pct(r.cured));
      for (const [to, share] of Object.entries<number>(r.to)) expect(await tr.locator(`td[data-to=${to}]`).innerText()).toBe(pct(share));
    }
    // 1 of 3 loans in 1–30 DPD was cured, 1 rolled forward
    expect(await page.locator("tr[data-from=dpd_1_30]").getByTestId("cured").innerText()).toBe("33,3 %");
    await page.screenshot({ path: join(SHOTS, "pages-roll-rates.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);

  test("collections settings saved (field error first), the sweep run to completion, failed and dead jobs filtered", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin3);
    await page.locator("nav.sidebar a", { hasText: "Write-off and sweep" }).click();
    await page.getByRole("heading", { level: 1, name: "Write-off and sweep" }).waitFor();
    await settled(page);
    const input = page.locator("input[name=writeOffDpd]");
    await input.fill("0");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator(".field-error[data-field=writeOffDpd]").waitFor();
    await input.fill("150");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    expect((await apiAs(page, "/api/v1/admin/collections/settings")).body).toEqual({ writeOffDpd: 150 });
    // the sweep: confirm, then follow the queued job until it completes
    await page.getByRole("button", { name: "Run the sweep now" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByTestId("confirm-step").waitFor();
    await dialog.getByRole("button", { name: "Run the sweep" }).click();
    await page.getByTestId("sweep-status").waitFor();
    await page.locator("[data-testid=sweep-status] strong[data-state=completed]").waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, "pages-collections-settings.png"), fullPage: true });

    await page.locator("nav.sidebar a", { hasText: "Jobs" }).click();
    await page.getByRole("heading", { level: 1, name: "Jobs" }).waitFor();
    await settled(page);
    const failed = (await apiAs(page, "/api/v1/admin/jobs?state=failed&limit=100")).body.items as any[];
    const dead = (await apiAs(page, "/api/v1/admin/jobs?state=dead&limit=100")).body.items as any[];
    expect(failed.map((j) => j.key)).toContain("pg-failed-purge");
    expect(dead.map((j) => j.key)).toContain("pg-dead-purge");
    await page.getByRole("button", { name: "Failed (waiting for a retry)" }).click();
    await page.getByTestId("jobs-in-state-failed").waitFor();
    await settled(page);
    expect((await page.getByTestId("jobs-in-state-failed").locator("tr[data-job]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job")))).sort()).toEqual(failed.map((j) => j.key).sort());
    await page.screenshot({ path: join(SHOTS, "pages-jobs-failed.png"), fullPage: true });
    await page.getByRole("button", { name: "Dead (out of attempts)" }).click();
    await page.getByTestId("jobs-in-state-dead").waitFor();
    await settled(page);
    expect((await page.getByTestId("jobs-in-state-dead").locator("tr[data-job]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job")))).sort()).toEqual(dead.map((j) => j.key).sort());
    expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
  }, 180_000);

  test("blocklist: the API's field error beside the field, removal confirmed, the removed entry marked", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin4);
    await page.locator("nav.sidebar a", { hasText: "Blocklist" }).click();
    await page.getByRole("heading", { level: 1, name: "Blocklist" }).waitFor();
    await settled(page);
    const form = page.getByRole("form", { name: "Add to blocklist" });
    await form.locator("select[name=kind]").selectOption("nik");
    await form.locator("input[name=value]").fill("12345");
    await form.locator("input[name=reason]").fill("Identity fraud ring");
    await form.getByRole("button", { name: "Block" }).click();
    await form.locator(".field-error[data-field=value]").waitFor();
    expect(await form.locator(".field-error[data-field=value]").innerText()).toContain("16 digits");
    await form.locator("input[name=value]").fill("3174012345670009");
    await form.getByRole("button", { name: "Block" }).click();
    await page.getByText("Entry added.").waitFor();
    const entries = (await apiAs(page, "/api/v1/admin/blocklist")).body.items as any[];
    const entry = entries.find((e) => e.reason === "Identity fraud ring");
    expect(entry).toBeTruthy();
    const row = page.locator("section[data-record=blocklist] tbody tr", { hasText: "Identity fraud ring" });
    await row.getByRole("button", { name: "Remove" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByTestId("confirm-step").waitFor();
    // nothing is removed before the confirmation
    expect(((await apiAs(page, "/api/v1/admin/blocklist")).body.items as any[]).some((e) => e.id === entry.id)).toBe(true);
    await dialog.getByRole("button", { name: "Remove" }).click();
    await row.getByTestId("blocklist-removed").waitFor();
    expect(await row.getByTestId("blocklist-removed").innerText()).toContain("Removed");
    expect(await row.getByRole("button", { name: "Remove" }).count()).toBe(0);
    expect(((await apiAs(page, "/api/v1/admin/blocklist")).body.items as any[]).some((e) => e.id === entry.id)).toBe(false);
    await page.screenshot({ path: join(SHOTS, "pages-blocklist.png"), fullPage: true });
    expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
  }, 120_000);

  test("one sign-in per browser: a second tab is signed in, both refresh once together, sign-out in one signs out both", async () => {
    const { page: one, context, errors } = await newPage();
    await signIn(one, STAFF.analyst2);
    const two = watchErrors(await context.newPage(), errors);
    await two.goto(`${srv.url}/_/admin/loans`);
    await two.getByRole("heading", { level: 1, name: "Loans" }).waitFor();
    expect(await two.getByTestId("who").innerText()).toContain(STAFF.analyst2);
    // the access token goes stale in both tabs at once: both refresh, the refresh token is rotated once
    const before = await one.evaluate(() => {
      const s = JSON.parse(localStorage.getItem("kreditku.admin.session")!);
      s.accessToken = "not-a-valid-token";
      localStorage.setItem("kreditku.admin.session", JSON.stringify(s));
      return s.refreshToken as string;
    });
    await Promise.all([one.goto(`${srv.url}/_/admin/payments`), two.goto(`${srv.url}/_/admin/applications`)]);
    await one.getByRole("heading", { level: 1, name: "Payments" }).waitFor();
    await two.getByRole("heading", { level: 1, name: "Applications" }).waitFor();
    await settled(one);
    await settled(two);
    const after = await two.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session")!));
    expect(after.refreshToken).not.toBe(before);
    expect(after.accessToken).not.toBe("not-a-valid-token");
    expect((await fetch(`${srv.url}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${after.accessToken}` } })).status).toBe(200);
    // sign out in tab one: tab two is signed out too
    await one.getByRole("button", { name: "Sign out" }).click();
    await one.waitForURL(/\/login/);
    await two.waitForURL(/\/login/, { timeout: 15_000 });
    // (an analyst's overview asks for disbursements, which analysts may not see: a 403 the page explains)
    expect(errors.filter((e) => !e.includes("status of 401") && !(e.includes("status of 403") && e.includes("/api/v1/records/disbursements")))).toEqual([]);
  }, 120_000);

  test("tablet width: the account/passkey link stays reachable", async () => {
    const { page, errors } = await newPage(820, 1180);
    await signIn(page, STAFF.finance2);
    const who = page.getByTestId("who");
    expect(await who.isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, "pages-tablet.png") });
    await who.click();
    await page.getByRole("heading", { level: 1, name: "Account" }).waitFor();
    await page.setViewportSize({ width: 768, height: 1024 });
    expect(await page.getByTestId("who").isVisible()).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  test("staff: create (field errors first), change a role, disable (the user's open tab is signed out), the last admin protected", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin);
    await page.locator("nav.sidebar a", { hasText: "Staff" }).click();
    await page.getByRole("heading", { level: 1, name: "Staff" }).waitFor();
    await settled(page);
    const form = page.getByRole("form", { name: "Create a staff account" });
    await form.locator("input[name=email]").fill("not-an-email");
    await form.locator("input[name=displayName]").fill("Rina Wijaya");
    await form.locator("input[name=password]").fill("short");
    await form.getByRole("button", { name: "Create account" }).click();
    await form.locator(".field-error[data-field=email]").waitFor();
    await form.locator(".field-error[data-field=password]").waitFor();
    const email = "rina@kreditku.test";
    await form.locator("input[name=email]").fill(email);
    await form.locator("select[name=role]").selectOption("analyst");
    await form.locator("input[name=password]").fill(PASSWORD);
    await form.getByRole("button", { name: "Create account" }).click();
    const row = page.locator(`tr[data-staff="${email}"]`);
    await row.waitFor();
    const created = ((await apiAs(page, "/api/v1/auth/users")).body.items as any[]).find((u) => u.email === email);
    expect(created).toMatchObject({ role: "analyst", status: "active", displayName: "Rina Wijaya" });

    // the new user signs in in a browser of their own
    const rina = await newPage();
    await signIn(rina.page, email);

    // role change: confirmed, then shown; the user's sessions end
    await row.getByRole("combobox").selectOption("finance");
    let dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByRole("button", { name: "Change role" }).click();
    await page.getByText("Role changed.").waitFor();
    expect(((await apiAs(page, "/api/v1/auth/users")).body.items as any[]).find((u) => u.email === email).role).toBe("finance");
    await page.waitForFunction((e) => (document.querySelector(`tr[data-staff="${e}"] select`) as HTMLSelectElement | null)?.value === "finance", email, { timeout: 10_000 });

    // signed in again (as finance), then disabled: the open tab is signed out at its next request
    await signIn(rina.page, email);
    expect((await rina.page.getByTestId("who").innerText()).toLowerCase()).toContain("finance");
    await row.getByRole("button", { name: "Disable" }).click();
    dialog = page.getByRole("dialog");
    await dialog.locator("input[name=reason]").fill("Left the company");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByRole("button", { name: "Disable" }).click();
    await page.getByText("Account updated.").waitFor();
    await page.waitForFunction((e) => document.querySelector(`tr[data-staff="${e}"] [data-testid=staff-status]`)?.textContent === "Disabled", email, { timeout: 10_000 });
    await rina.page.locator("nav.sidebar a", { hasText: "Loans" }).click();
    await rina.page.waitForURL(/\/login/, { timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, "pages-staff.png"), fullPage: true });

    // the last active admin: the other admins disabled, demoting oneself is refused with the API's message
    const me = ((await apiAs(page, "/api/v1/auth/users")).body.items as any[]).find((u) => u.email === STAFF.admin);
    for (const other of [STAFF.admin2, STAFF.admin3, STAFF.admin4]) {
      const u = ((await apiAs(page, "/api/v1/auth/users")).body.items as any[]).find((x) => x.email === other);
      expect((await apiAs(page, `/api/v1/auth/users/${u.id}/status`, { method: "PUT", body: JSON.stringify({ status: "disabled" }) })).status).toBe(200);
    }
    await page.reload();
    await settled(page);
    await page.locator(`tr[data-staff="${STAFF.admin}"]`).getByRole("combobox").selectOption("analyst");
    dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByRole("button", { name: "Change role" }).click();
    await dialog.getByRole("alert").waitFor();
    expect(await dialog.getByRole("alert").innerText()).toContain("only active admin");
    await page.screenshot({ path: join(SHOTS, "pages-last-admin.png") });
    expect(((await apiAs(page, "/api/v1/auth/users")).body.items as any[]).find((u) => u.id === me.id).role).toBe("admin");
    expect([...errors, ...rina.errors].filter((e) => !/status of (401|409|422)/.test(e))).toEqual([]);
  }, 180_000);
});
