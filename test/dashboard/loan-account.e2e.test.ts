// The loan account and application review pages in Chromium against the built binary, on a realistic loan book
// (test/kit/portfolio.ts): an analyst logs a call attempt and a promise to pay; the page's outstanding, overdue and
// payoff equal the API's figures; the analyst sees the phone masked, finance the payout account in full; the
// application review shows the KTP and selfie previews, and a counter-offer decision goes through its confirmation.
// Screenshots in test-results/dashboard.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { settled, signInDashboard, suiteBrowser, type SuiteBrowser } from "../kit/browser.ts";
import { buildPortfolio, STAFF_PASSWORD, type Portfolio } from "../kit/portfolio.ts";

const SHOTS = resolve(import.meta.dir, "../../test-results/dashboard");
let p: Portfolio;
let chromium: SuiteBrowser;

const newPage = () => chromium.newPage({ height: 900 });
const signIn = (page: Page, who: keyof Portfolio["staff"]) => signInDashboard(page, p.srv.url, p.staff[who].email, STAFF_PASSWORD);

const digits = (s: string) => Number(s.replace(/[^\d-]/g, ""));
/** The WIB calendar date `days` from now. */
const wibDate = (days: number) => new Date(Date.now() + 7 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  p = await buildPortfolio();
  chromium = await suiteBrowser();
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  p?.cleanup();
});

describe("loan account and application review", () => {
  test("analyst: figures equal the API's, phone masked, logs a call attempt and a promise to pay", async () => {
    const loan = p.loans["dpd-1-30"]!;
    const api = await p.get("analyst2", `/api/v1/admin/loans/${loan.loanId}`);
    const view = await p.get("analyst2", `/api/v1/loans/${loan.loanId}`);
    // one definition: the loan account's outstanding is the loan view's; the loan is behind
    expect(api.figures.outstandingAmount).toBe(view.outstandingAmount);
    expect(api.figures.overdueAmount).toBeGreaterThan(0);
    expect(api.figures.bucket).toBe("dpd_1_30");
    expect(api.borrower.phone).not.toBe(loan.phone);
    expect(api.borrower.phone).toContain("*");

    const { page, errors } = await newPage();
    await signIn(page, "analyst");
    await page.goto(`${p.srv.url}/_/admin/loans/${loan.loanId}`);
    await settled(page);
    await page.getByTestId("kpi-outstanding").waitFor();
    expect(digits(await page.getByTestId("kpi-outstanding").innerText())).toBe(api.figures.outstandingAmount);
    expect(digits(await page.getByTestId("kpi-overdue").innerText())).toBe(api.figures.overdueAmount);
    expect(digits(await page.getByTestId("kpi-payoff").innerText())).toBe(api.figures.payoffAmount);
    expect(await page.getByTestId("kpi-payoff").innerText()).toMatch(/^Rp\s?[\d.]+$/); // id-ID rupiah
    expect(await page.getByTestId("borrower-name").innerText()).toBe(loan.fullName);
    expect(await page.getByTestId("loan-bucket").innerText()).toBe("1–30 days past due");
    // the phone as the policy shows it to analysts, in local form; never the number itself
    const phone = await page.getByTestId("borrower-phone").innerText();
    expect(phone).toBe(`0${api.borrower.phone.slice(3)}`);
    expect(await page.locator("main, .content").first().innerText()).not.toContain(loan.phone.slice(3));
    expect(await page.getByTestId("payout-account").innerText()).toContain("*");
    // the schedule shows the derived statuses with labels
    const statuses = await page.getByTestId("instalment-status").allInnerTexts();
    expect(statuses).toContain("Overdue");
    expect(statuses).toContain("Paid");

    // a call attempt
    const form = page.getByRole("form", { name: "Add to the collection log" });
    await form.getByLabel("Kind").selectOption("call_attempt");
    await form.getByLabel("Outcome").selectOption("no_answer");
    await form.getByLabel("Note (optional)").fill("Rang twice, voicemail");
    await form.getByRole("button", { name: "Add to log" }).click();
    await page.getByTestId("collection-log").locator("li[data-kind=call_attempt]").waitFor();
    // a promise to pay
    const promised = wibDate(3);
    await form.getByLabel("Kind").selectOption("promise_to_pay");
    await form.getByLabel("Promised amount (rupiah)").fill(String(api.figures.nextDueAmount));
    await form.getByLabel("Promised by (date)").fill(promised);
    await form.getByLabel("Note (optional)").fill("Will pay after payday");
    await form.getByRole("button", { name: "Add to log" }).click();
    const promise = page.getByTestId("collection-log").locator("li[data-kind=promise_to_pay]");
    await promise.waitFor();
    expect(await promise.getByTestId("promise-state").innerText()).toBe("Pending");
    await page.screenshot({ path: join(SHOTS, "loan-account-analyst.png"), fullPage: true });

    // the API holds both, with who and when; the page names the analyst as the API does
    const log = await p.get("finance2", `/api/v1/admin/loans/${loan.loanId}/collection-log`);
    expect(log.items.map((i: any) => [i.kind, i.outcome, i.promisedAmount, i.promisedDate, i.promise?.state ?? null, i.actor.email])).toEqual([
      ["promise_to_pay", null, api.figures.nextDueAmount, promised, "pending", p.staff.analyst.email],
      ["call_attempt", "no_answer", null, null, null, p.staff.analyst.email],
    ]);
    expect(await promise.getByTestId("log-actor").innerText()).toBe(`by ${log.items[0].actor.name}`);
    // both are on the loan's audit history too (the trail the audit page reads), refreshed in place
    for (const event of ["collection.call_logged", "collection.promise_made"]) await page.getByTestId("history").locator(`li[data-event="${event}"]`).first().waitFor();
    expect(errors).toEqual([]);
  }, 120_000);

  test("finance: the payout account in full for refunds; the phone masked", async () => {
    const loan = p.loans["overpaid"]!;
    const api = await p.get("finance2", `/api/v1/admin/loans/${loan.loanId}`);
    expect(api.payoutAccount.accountNumber).not.toContain("*");
    const { page, errors } = await newPage();
    await signIn(page, "finance");
    await page.goto(`${p.srv.url}/_/admin/loans/${loan.loanId}`);
    await settled(page);
    await page.getByTestId("payout-account").waitFor();
    const payout = await page.getByTestId("payout-account").innerText();
    expect(payout).toContain(api.payoutAccount.accountNumber);
    expect(payout).toContain(api.payoutAccount.bankCode);
    expect(await page.getByTestId("borrower-phone").innerText()).toContain("*");
    expect(digits(await page.getByTestId("kpi-outstanding").innerText())).toBe(api.figures.outstandingAmount);
    expect(digits(await page.getByTestId("kpi-payoff").innerText())).toBe(api.figures.payoffAmount);
    // the overpaid loan's credit balance can be refunded from here
    expect(api.figures.creditBalanceAmount).toBeGreaterThan(0);
    await page.getByRole("region", { name: "Finance actions" }).getByRole("button", { name: "Refund credit balance" }).waitFor();
    // finance reads the collection log but does not write to it
    expect(await page.getByRole("form", { name: "Add to the collection log" }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "loan-account-finance.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);

  test("application review: KTP and selfie previews beside the profile; a counter-offer approved after confirmation", async () => {
    expect(p.pending.status).toBe("manual_review");
    const appId = p.pending.applicationId;
    const { page, errors } = await newPage();
    await signIn(page, "analyst2");
    await page.goto(`${p.srv.url}/_/admin/applications/${appId}`);
    await settled(page);
    await page.getByTestId("app-status").waitFor();
    expect(await page.getByTestId("app-status").innerText()).toBe("Manual review");
    const detail = await p.get("analyst2", `/api/v1/admin/applications/${appId}`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toContain(detail.profile.fullName);
    // previews: the images load (same origin, within the CSP)
    for (const kind of ["ktp", "selfie"]) {
      const img = page.getByTestId(`preview-${kind}`);
      await img.waitFor();
      await page.waitForFunction((k) => ((document.querySelector(`[data-testid=preview-${k}]`) as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, kind, { timeout: 10_000 });
    }
    // the profile as the analyst may see it: NIK masked
    expect(await page.getByTestId("profile").innerText()).toContain(detail.profile.nik);
    expect(detail.profile.nik).toContain("*");
    // actors by name on the timeline
    expect(await page.getByTestId("timeline").innerText()).toContain("by the borrower");

    const counter = 2_000_000;
    const decision = page.getByRole("form", { name: "Decision" });
    await decision.getByLabel("Approve").check();
    await decision.getByLabel("Counter-offer amount (rupiah, optional)").fill(String(counter));
    await decision.getByLabel("Note (required)").fill("Income supports a smaller loan");
    await decision.getByRole("button", { name: "Submit decision" }).click();
    // the confirmation step names the amount; nothing is sent before it
    const confirm = decision.getByTestId("decision-confirm");
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain("Rp 2.000.000");
    expect((await p.get("analyst2", `/api/v1/admin/applications/${appId}`)).status).toBe("manual_review");
    await page.screenshot({ path: join(SHOTS, "application-review-confirm.png"), fullPage: true });
    await decision.getByRole("button", { name: "Confirm decision" }).click();
    await page.waitForFunction(() => document.querySelector("[data-testid=app-status]")?.getAttribute("data-status") === "approved", undefined, { timeout: 15_000 });
    const after = await p.get("analyst2", `/api/v1/admin/applications/${appId}`);
    expect(after.status).toBe("approved");
    expect(after.offer.principalAmount).toBe(counter);
    // the approved offer and its expiry are shown; the decision is on the timeline by the analyst's name
    await page.getByTestId("approved-offer").waitFor();
    expect(await page.getByTestId("approved-offer").innerText()).toContain("Rp 2.000.000");
    expect(await page.getByTestId("offer-expiry").innerText()).toContain("WIB");
    const decidedBy = after.events[after.events.length - 1];
    expect(decidedBy.actorName).not.toBe(decidedBy.actor); // a name, not the id
    await page.getByTestId("timeline").getByText(`by ${decidedBy.actorName}`).waitFor();
    // and the decision, with its before/after, on the application's audit history
    await page.getByTestId("history").locator('li[data-event="application.decided"]').waitFor();
    await page.screenshot({ path: join(SHOTS, "application-review-approved.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);
});
