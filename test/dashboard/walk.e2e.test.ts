// The dashboard as a loan-operations team uses it, in Chromium against the built binary, on a realistic loan book
// (test/kit/portfolio.ts: ten borrowers, loans in every DPD bucket, payments, a payoff, an overpayment, manual
// review, suspense). Each role walks every page it is offered (no error state, no raw column name, no console
// error), the figures are checked against the API, a table is sorted from the keyboard, a filtered list is exported
// as CSV, finance refunds the overpayment and proposes a write-off that a second staff member approves, and the
// Bahasa Indonesia view is shown. Screenshots in test-results/dashboard/walk (two of them in the README).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { rupiah } from "../../admin-ui/src/format.ts";
import { downloadText, launchChromium, newWatchedPage, parseCsv, settled, signInDashboard, type WatchedPage } from "../kit/browser.ts";
import { buildPortfolio, STAFF_PASSWORD, type Portfolio } from "../kit/portfolio.ts";

const SHOTS = resolve(import.meta.dir, "../../test-results/dashboard/walk");
let p: Portfolio;
let browser: Browser;
const opened: WatchedPage[] = [];

async function staffPage(who: keyof Portfolio["staff"], opts: Parameters<typeof newWatchedPage>[1] = {}) {
  const w = await newWatchedPage(browser, opts);
  opened.push(w);
  await signInDashboard(w.page, p.srv.url, p.staff[who].email, STAFF_PASSWORD);
  return w;
}

const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
const slug = (href: string) => href.replace(/^\/_\/admin\/?/, "").replace(/\//g, "-") || "overview";

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  p = await buildPortfolio();
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  for (const w of opened) await w.context.close().catch(() => {});
  await browser?.close();
  p?.cleanup();
});

describe("each role walks every page it is offered", () => {
  for (const who of ["admin", "analyst", "finance"] as const) {
    test(`${who}: every page loads with human labels and no error`, async () => {
      const { page, errors } = await staffPage(who);
      const links = await page.locator("nav.sidebar a").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
      expect(links.length).toBeGreaterThan(5);
      for (const href of links) {
        await page.locator(`nav.sidebar a[href="${href}"]`).click();
        await page.waitForURL((u) => u.pathname === href || u.pathname === `${href}/`);
        await settled(page);
        await page.waitForTimeout(150);
        await settled(page);
        expect({ href, error: await page.locator(".state.error, [data-testid=forbidden]").count() }).toEqual({ href, error: 0 });
        // staff never read a raw column name or enum value in a table header
        const headers = await page.locator("th").allInnerTexts();
        expect({ href, raw: headers.map((h) => h.replace(/[▲▼↑↓\s]+$/u, "").trim()).filter((h) => /^[a-z]+(_[a-z0-9]+)+$/.test(h)) }).toEqual({ href, raw: [] });
        await shot(page, `${who}-${slug(href)}`);
      }
      expect(errors).toEqual([]);
    }, 240_000);
  }
});

describe("figures staff act on equal the API's", () => {
  test("Overview: outstanding and TWP90 are the portfolio API's (one definition), in id-ID", async () => {
    const { page, errors } = await staffPage("admin2");
    await settled(page);
    const summary = await p.get("admin", "/api/v1/admin/portfolio/summary");
    await page.getByTestId("kpi-outstanding").waitFor();
    expect(await page.getByTestId("kpi-outstanding").innerText()).toBe(rupiah(summary.totalOutstandingAmount));
    const twp90 = await page.getByTestId("kpi-twp90").innerText();
    expect(twp90).toBe(`${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(summary.twp90 * 100)} %`);
    await shot(page, "readme-overview", false);
    expect(errors).toEqual([]);
  }, 120_000);

  test("analyst finds a borrower in arrears by local phone and reads the loan account as the API states it", async () => {
    const loan = p.loans["dpd-31-60"]!;
    expect(loan.phone).toMatch(/^\+62\d{9,12}$/);
    const { page, errors } = await staffPage("analyst");
    const local = `0${loan.phone.slice(3)}`;
    await page.getByRole("searchbox").fill(local);
    await page.getByRole("searchbox").press("Enter");
    await page.locator(`[data-testid=search-results] li[data-type=borrower][data-id="${loan.userId}"] a`).click();
    await settled(page);
    const account = await p.get("admin", `/api/v1/admin/loans/${loan.loanId}`);
    await page.goto(`${p.srv.url}/_/admin/loans/${loan.loanId}`);
    await settled(page);
    await page.getByTestId("loan-bucket").waitFor();
    const text = await page.locator("main").innerText();
    const f = account.figures;
    expect(f.bucket).toBe("dpd_31_60");
    for (const [label, amount] of [["Outstanding", f.outstandingAmount], ["Overdue", f.overdueAmount], ["Payoff today", f.payoffAmount]] as const) {
      expect(text).toContain(`${label}\n${rupiah(amount)}`);
    }
    // the analyst reads the phone masked
    expect(await page.getByTestId("borrower-phone").innerText()).not.toContain(loan.phone.slice(-4 - 4, -4));
    await shot(page, "readme-loan-account", false);
    expect(errors).toEqual([]);
  }, 120_000);
});

describe("lists", () => {
  test("the loans list sorted from the keyboard, then the delinquent loans exported as CSV equal to the API", async () => {
    const { page, errors } = await staffPage("finance");
    await page.locator('nav.sidebar a[href="/_/admin/loans"]').click();
    const section = page.locator("section[data-record=loans]");
    await section.locator("tbody tr").first().waitFor();
    const header = section.locator("th[data-col=dpd] button");
    await header.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("section[data-record=loans] th[data-col=dpd]")?.getAttribute("aria-sort") === "ascending");
    await page.waitForFunction(() => document.querySelector("section[data-record=loans] .table-wrap")?.getAttribute("aria-busy") === "false");
    const api = await p.get("finance", "/api/v1/records/loans?sort=dpd&limit=25");
    const firstIds = await section.locator("tbody td[data-col=id]").allInnerTexts();
    expect(firstIds.slice(0, api.items.length)).toEqual(api.items.map((i: { id: string }) => i.id));

    await section.locator("select[name=status]").selectOption("delinquent");
    await section.getByRole("button", { name: "Apply" }).click();
    await page.waitForFunction(() => document.querySelector("section[data-record=loans] .table-wrap")?.getAttribute("aria-busy") === "false");
    const csv = parseCsv(await downloadText(page, () => section.getByTestId("export-csv").click()));
    const delinquent = await p.get("finance", "/api/v1/records/loans?filter[status]=delinquent&limit=100");
    const idCol = csv[0]!.indexOf("id");
    expect(csv.slice(1).map((r) => r[idCol]).sort()).toEqual(delinquent.items.map((i: { id: string }) => i.id).sort());
    expect(errors).toEqual([]);
  }, 120_000);
});

describe("finance's day", () => {
  test("refunds the overpayment and writes off the loan past 180 days; the book still proves and the audit trail names who did it", async () => {
    const overpaid = p.loans["overpaid"]!;
    const hopeless = p.loans["macet-writeoff"]!;
    const { page, errors } = await staffPage("finance2");
    // the overpaid loan: paid off with a credit balance, refunded in full to the payout account shown
    await page.goto(`${p.srv.url}/_/admin/loans/${overpaid.loanId}`);
    await settled(page);
    const before = await p.get("finance", `/api/v1/admin/loans/${overpaid.loanId}`);
    expect(before.loan.status).toBe("paid_off");
    expect(before.figures.creditBalanceAmount).toBe(75_000);
    await page.getByTestId("payout-account").waitFor();
    await page.getByRole("button", { name: "Refund credit balance" }).click();
    const refund = page.getByRole("dialog", { name: `Refund credit balance of loan ${overpaid.loanId}` });
    expect(await refund.getByLabel(/Amount in rupiah/).inputValue()).toBe("75000");
    await refund.getByLabel("Transfer reference (required)").fill("BCA-TRF-WALK-0001");
    await refund.getByLabel("Reason (required)").fill("Overpayment returned to the borrower");
    await refund.getByRole("button", { name: "Continue" }).click();
    await refund.getByTestId("confirm-step").waitFor();
    await refund.getByRole("button", { name: "Record refund" }).click();
    await refund.waitFor({ state: "detached" });
    expect(await page.getByTestId("action-notice").innerText()).toContain("credit balance now Rp 0");
    expect((await p.get("finance", `/api/v1/admin/loans/${overpaid.loanId}`)).figures.creditBalanceAmount).toBe(0);

    // the loan 190+ days past due: written off at its outstanding
    await page.goto(`${p.srv.url}/_/admin/loans/${hopeless.loanId}`);
    await settled(page);
    const owed = (await p.get("finance", `/api/v1/admin/loans/${hopeless.loanId}`)).figures;
    expect(owed.dpd).toBeGreaterThanOrEqual(180);
    await page.getByRole("region", { name: "Finance actions" }).getByRole("button", { name: "Write off" }).click();
    const wo = page.getByRole("dialog", { name: `Write off loan ${hopeless.loanId}` });
    await wo.getByLabel("Reason (required)").fill("Uncollectable: unreachable since May");
    await wo.getByRole("button", { name: "Continue" }).click();
    await wo.getByRole("button", { name: "Write off" }).click();
    await wo.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelector("[data-testid=loan-status]")?.getAttribute("data-status") === "written_off", undefined, { timeout: 15_000 });
    expect(await p.get("finance", "/api/v1/admin/ledger/check")).toMatchObject({ ok: true });
    const trail = await p.get("admin", `/api/v1/admin/audit?entityType=loan&entityId=${hopeless.loanId}`);
    expect(trail.items.map((e: { event: string }) => e.event)).toContain("loan.written_off");
    await shot(page, "finance-written-off");
    expect(errors).toEqual([]);
  }, 180_000);
});

describe("Bahasa Indonesia", () => {
  test("the language switch turns the navigation, labels and statuses Indonesian and is remembered", async () => {
    const { page, errors } = await staffPage("analyst2");
    await page.getByLabel("Language / Bahasa").selectOption("id");
    await page.locator("nav.sidebar a", { hasText: "Ringkasan" }).waitFor();
    await page.locator('nav.sidebar a[href="/_/admin/collections"]').click();
    await settled(page);
    await page.waitForTimeout(300);
    expect(await page.locator("main").innerText()).toMatch(/Menunggak|Lancar|Kelompok DPD/);
    await shot(page, "collections-id");
    await page.reload();
    await page.locator("nav.sidebar a", { hasText: /^Penagihan$/ }).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
