// The dashboard's lists in Chromium against the built binary: one search box (local phone, NIK, loan id), a from/to
// date filter, a table sorted from the keyboard, a CSV export of a filtered list (its rows equal the API's; masked
// for the analyst), the Bahasa Indonesia switch, and the product editor's rates in % with the daily cost against the
// cap in force. Figures are checked against the API; screenshots in test-results/dashboard.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import type { Running } from "../kit/binary.ts";
import { apiAs, downloadFile, parseCsv, serveStaffDepot, signInDashboard, suiteBrowser, tableIdle, type SuiteBrowser } from "../kit/browser.ts";

const SHOTS = resolve(import.meta.dir, "../../test-results/dashboard");
const PASSWORD = "correct-horse-battery";
// distinct accounts per test: sign-in is rate limited per IP and email
const STAFF = {
  admin: "lists-admin@kreditku.test",
  admin2: "lists-admin2@kreditku.test",
  admin3: "lists-admin3@kreditku.test",
  admin4: "lists-admin4@kreditku.test",
  analyst: "lists-analyst@kreditku.test",
  analyst2: "lists-analyst2@kreditku.test",
  finance: "lists-finance@kreditku.test",
} as const;
const NIK = "3174012345670001";
const PHONE = "+6281377700010"; // typed as 0813-7770-0010
const DAY = 86_400_000;

let srv: Running;
let chromium: SuiteBrowser;
let now = 0;

function seed(depot: string) {
  const db = new Database(join(depot, "data/main.db"));
  now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  db.transaction(() => {
    for (let b = 1; b <= 10; b++) {
      const phone = b === 1 ? PHONE : `+628137770${String(b).padStart(3, "0")}0`;
      db.run("INSERT INTO users (id, role, phone, display_name, status, created_at, updated_at) VALUES (?, 'borrower', ?, ?, 'active', ?, ?)", [`bor-${b}`, phone, `Borrower ${b}`, iso(b * DAY), iso(b * DAY)]);
      db.run(
        `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
          monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone, emergency_relation, emergency_consent, created_at, updated_at)
         VALUES (?, ?, ?, '1990-01-01', 'F', 'Jl. Merdeka 1', 'Jakarta', 'DKI Jakarta', '10110', 'employed', 8000000, 'BCA', '1234567890', 'X', 'Budi', '+6281299999999', 'sibling', 1, ?, ?)`,
        [`bor-${b}`, b === 1 ? NIK : `31740123456700${String(b).padStart(2, "0")}`, b === 1 ? "Dewi Lestari" : `Peminjam ${b}`, iso(b * DAY), iso(b * DAY)],
      );
    }
    for (let i = 1; i <= 30; i++) {
      db.run(
        `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, submitted_at, created_at, updated_at)
         VALUES (?, ?, 'prod_reference_weekly', ?, ?, 50, 'weeks', 'consumptive', 110000, ?, ?, ?)`,
        [`appl-${String(i).padStart(4, "0")}`, `bor-${(i % 10) + 1}`, i % 2 ? "manual_review" : "approved", 1_000_000 * ((i % 7) + 1), iso(i * DAY), iso(i * DAY), iso(i * DAY)],
      );
    }
    for (let i = 1; i <= 12; i++) {
      db.run(
        `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount, tenor, tenor_unit,
          interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, dpd, credit_balance_amount, disbursed_at, created_at, updated_at)
         VALUES (?, ?, ?, 'prod_reference_weekly', ?, ?, 500000, 0, 0, ?, 50, 'weeks', 'flat', 2000, 1000, 3, 'consumptive', '2026-01-01', '2026-12-17', ?, 0, ?, ?, ?)`,
        [`loan-${String(i).padStart(4, "0")}`, `appl-${String(i * 2).padStart(4, "0")}`, `bor-${(i % 10) + 1}`, i % 3 ? "active" : "delinquent", 1_000_000 * ((i * 7) % 11 + 1), 1_000_000 * ((i * 7) % 11 + 1), (i * 13) % 40, iso(i * DAY), iso(i * DAY), iso(i * DAY)],
      );
    }
  })();
  db.close();
}

const newPage = (width = 1280, height = 800) => chromium.newPage({ width, height });
const signIn = (page: Page, email: string) => signInDashboard(page, srv.url, email, PASSWORD);
const csvValue = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v));

async function download(page: Page, record: string): Promise<string> {
  const { name, text } = await downloadFile(page, () => page.locator(`section[data-record=${record}] [data-testid=export-csv]`).click());
  expect(name).toMatch(new RegExp(`^${record}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  return text;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  srv = await serveStaffDepot({ prefix: "kreditku-lists-", staff: STAFF, password: PASSWORD, seed });
  chromium = await suiteBrowser();
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  srv?.cleanup();
});

describe("dashboard lists", () => {
  test("one search box: a local phone finds the borrower, a loan id finds the loan", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin);
    const box = page.locator("header .global-search input");
    await box.fill("0813-7770-0010");
    await page.locator("[data-testid=search-results] li[data-type=borrower]").first().waitFor();
    const api = await apiAs(page, `/api/v1/admin/search?q=${encodeURIComponent("0813-7770-0010")}`);
    expect(api.body.matchedAs).toEqual(["phone"]);
    const shownIds = await page.locator("[data-testid=search-results] li[data-id]").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-type")}:${e.getAttribute("data-id")}`));
    expect(shownIds).toEqual(api.body.results.map((r: any) => `${r.type}:${r.id}`));
    expect(shownIds[0]).toBe("borrower:bor-1");
    const first = page.locator("[data-testid=search-results] li[data-type=borrower]").first();
    expect(await first.innerText()).toContain("Dewi Lestari");
    expect(await first.innerText()).toContain("0813-7770-0010");
    await page.screenshot({ path: join(SHOTS, "lists-search.png") });
    await first.locator("a").click();
    await page.waitForURL(/\/_\/admin\/borrowers\/bor-1$/);

    await box.fill("LOAN-0007");
    await page.locator("[data-testid=search-results] li[data-type=loan][data-id=loan-0007]").waitFor();
    await page.locator("[data-testid=search-results] li[data-type=loan][data-id=loan-0007] a").click();
    await page.waitForURL(/\/_\/admin\/loans\/loan-0007$/);
    expect(errors).toEqual([]);
  }, 90_000);

  test("analyst: a NIK finds the borrower, shown masked; the CSV of borrowers is masked too", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.analyst);
    await page.locator("header .global-search input").fill(NIK);
    const hit = page.locator("[data-testid=search-results] li[data-type=borrower][data-id=bor-1]");
    await hit.waitFor();
    const text = await hit.innerText();
    expect(text).toContain("3174********0001");
    expect(text).not.toContain(NIK);
    expect(await page.locator("[data-testid=search-results]").innerText()).not.toContain("7770-0010");

    await page.goto(`${srv.url}/_/admin/borrowers`);
    await tableIdle(page, "borrowers");
    const csv = parseCsv(await download(page, "borrowers"));
    const api = await apiAs(page, "/api/v1/records/borrowers?limit=100");
    expect(csv[0]).toEqual(["id", "display_name", "phone", "status", "created_at"]);
    expect(csv.slice(1)).toEqual(api.body.items.map((r: any) => csv[0].map((c) => csvValue(r[c]))));
    const phones = csv.slice(1).map((r) => r[2]);
    expect(phones.length).toBe(10);
    expect(phones.every((p) => p.includes("*"))).toBe(true);
    expect(csv.flat().join()).not.toContain(PHONE);
    expect(errors).toEqual([]);
  }, 90_000);

  test("a from/to date filter, a header sorted from the keyboard, and the filtered list exported as CSV", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin2);
    await page.goto(`${srv.url}/_/admin/loans`);
    await tableIdle(page, "loans");
    const section = page.locator("section[data-record=loans]");
    // status filter with a human label, and a created from/to range of Jakarta dates
    const wib = (msAgo: number) => new Date(now - msAgo + 7 * 3600_000).toISOString().slice(0, 10);
    await section.locator("select[name=status]").selectOption("active");
    expect(await section.locator("select[name=status] option[value=active]").innerText()).toBe("Active");
    const from = wib(9 * DAY);
    const to = wib(2 * DAY);
    await section.locator("input[name='created_at.gte']").fill(from);
    await section.locator("input[name='created_at.lte']").fill(to);
    await section.getByRole("button", { name: "Apply" }).click();
    await tableIdle(page, "loans");
    const q = `filter[status]=active&filter[created_at][gte]=${encodeURIComponent(new Date(`${from}T00:00:00+07:00`).toISOString())}&filter[created_at][lte]=${encodeURIComponent(new Date(new Date(`${to}T00:00:00+07:00`).getTime() + DAY - 1).toISOString())}`;
    const filtered = await apiAs(page, `/api/v1/records/loans?${q}&count=true&limit=100`);
    expect(filtered.body.total).toBeGreaterThan(1);
    expect(filtered.body.total).toBeLessThan(12);
    const ids = () => section.locator("tbody tr td[data-col=id]").allInnerTexts();
    expect(await ids()).toEqual(filtered.body.items.map((r: any) => r.id));

    // keyboard: Tab to the amount header's button, Enter sorts ascending, Space descending
    const header = section.locator("th[data-col=principal_amount]");
    expect(await header.getAttribute("aria-sort")).toBe("none");
    await section.locator("th[data-col=status] button").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("th")?.getAttribute("data-col"))).toBe("principal_amount");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("section[data-record=loans] th[data-col=principal_amount]")?.getAttribute("aria-sort") === "ascending");
    await tableIdle(page, "loans");
    const asc = await apiAs(page, `/api/v1/records/loans?${q}&sort=principal_amount&limit=100`);
    expect(await ids()).toEqual(asc.body.items.map((r: any) => r.id));
    await page.keyboard.press("Space");
    await page.waitForFunction(() => document.querySelector("section[data-record=loans] th[data-col=principal_amount]")?.getAttribute("aria-sort") === "descending");
    await tableIdle(page, "loans");
    const desc = await apiAs(page, `/api/v1/records/loans?${q}&sort=-principal_amount&limit=100`);
    expect(await ids()).toEqual(desc.body.items.map((r: any) => r.id));
    const amounts = (await section.locator("tbody tr td[data-col=principal_amount]").allInnerTexts()).map((s) => s.replace(/\u00a0/g, " "));
    expect(amounts[0]).toBe(`Rp ${new Intl.NumberFormat("id-ID").format(desc.body.items[0].principal_amount)}`);
    await page.screenshot({ path: join(SHOTS, "lists-loans-filtered-sorted.png") });

    // the CSV is the filtered, sorted list, every column on screen, the same rows as the API
    const csv = parseCsv(await download(page, "loans"));
    const cols = await section.locator("thead th[data-col]").evaluateAll((els) => els.map((e) => e.getAttribute("data-col")!));
    expect(csv[0]).toEqual(cols);
    expect(csv.slice(1)).toEqual(desc.body.items.map((r: any) => cols.map((c) => csvValue(r[c]))));
    expect(errors).toEqual([]);
  }, 120_000);

  test("Bahasa Indonesia: navigation, column labels, filters and buttons in Indonesian", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.analyst2);
    await page.goto(`${srv.url}/_/admin/applications`);
    await tableIdle(page, "applications");
    await page.locator("select.lang-switch").selectOption("id");
    await page.getByRole("heading", { level: 1, name: "Pengajuan" }).waitFor();
    const nav = await page.locator("nav.sidebar a").allInnerTexts();
    expect(nav).toContain("Pinjaman");
    const section = page.locator("section[data-record=applications]");
    const headers = await section.locator("thead th").allInnerTexts();
    expect(headers.join("|")).toContain("Status");
    expect(headers.join("|")).not.toMatch(/principal_amount|submitted_at|user_id/);
    expect(await section.getByRole("button", { name: "Terapkan" }).count()).toBe(1);
    expect(await section.getByRole("button", { name: "Ekspor CSV" }).count()).toBe(1);
    expect(await section.locator("select[name=status] option[value=manual_review]").innerText()).not.toBe("manual_review");
    expect(await section.locator("tbody").innerText()).not.toContain("manual_review");
    await page.screenshot({ path: join(SHOTS, "lists-bahasa.png") });
    expect(errors).toEqual([]);
  }, 90_000);

  test("the actions column stays visible at 1280 px", async () => {
    const { page, errors } = await newPage(1280, 800);
    await signIn(page, STAFF.admin3);
    await page.goto(`${srv.url}/_/admin/products`);
    await tableIdle(page, "products");
    const cell = page.locator("section[data-record=products] tbody tr").first().locator("td.actions");
    const box = await cell.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
    expect(await cell.evaluate((el) => getComputedStyle(el).position)).toBe("sticky");
    expect(errors).toEqual([]);
  }, 90_000);

  test("product editor: rates in %, the daily cost against the cap in force as you type", async () => {
    const { page, errors } = await newPage();
    await signIn(page, STAFF.admin4);
    await page.goto(`${srv.url}/_/admin/products`);
    await tableIdle(page, "products");
    const row = page.locator("section[data-record=products] tbody tr", { hasText: "KK-WEEKLY-50" });
    expect((await row.locator("td[data-col=interest_rate_ppm]").innerText()).replace(/\u00a0/g, " ")).toBe("0,2 %");
    await row.getByRole("button", { name: "Edit" }).click();
    const editor = page.locator("form.editor");
    await editor.waitFor();
    expect(await editor.locator("input[name=interestRatePpm]").inputValue()).toBe("0,2");
    expect(await editor.locator("input[name=lateFeePpm]").inputValue()).toBe("0,1");
    const check = page.getByTestId("cost-check");
    await page.waitForFunction(() => document.querySelector("[data-testid=cost-check]")?.getAttribute("data-daily-ppm") === "286");
    const product = await apiAs(page, "/api/v1/admin/products/prod_reference_weekly");
    const terms = (({ purpose, minAmount, maxAmount, minTenor, maxTenor, tenorUnit, interestMethod, interestRatePpm, upfrontFeePpm, adminFeeAmount, lateFeePpm }) => ({ purpose, minAmount, maxAmount, minTenor, maxTenor, tenorUnit, interestMethod, interestRatePpm, upfrontFeePpm, adminFeeAmount, lateFeePpm }))(product.body);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session") ?? "{}").accessToken as string);
    const priced = await (await fetch(`${srv.url}/api/v1/admin/products/pricing-check`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(terms) })).json();
    expect(Number(await check.getAttribute("data-daily-ppm"))).toBe(priced.dailyCost.figurePpm);
    expect(Number(await check.getAttribute("data-cap-ppm"))).toBe(priced.dailyCost.capPpm);
    const shown = (await check.innerText()).replace(/\u00a0/g, " ");
    expect(shown).toContain("0,0286 %");
    expect(shown).toContain("0,2 % per day");
    // typing a rate over the cap shows it before saving: 2,1 % per week = 3000 ppm/day > 2000
    await editor.locator("input[name=interestRatePpm]").fill("2,1");
    await page.waitForFunction(() => document.querySelector("[data-testid=cost-check]")?.getAttribute("data-daily-ppm") === "3000");
    expect(await check.getAttribute("class")).toContain("over");
    expect(await check.innerText()).toContain("above the cap");
    expect(await editor.locator("input[name=interestRatePpm]").locator("xpath=..").innerText()).toContain("21.000 ppm");
    await page.screenshot({ path: join(SHOTS, "lists-product-cost.png") });
    expect(errors).toEqual([]);
  }, 90_000);
});
