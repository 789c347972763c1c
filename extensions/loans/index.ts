// Loan origination: products and quotes, borrower profile + KYC documents, applications and their state machine,
// loans with their schedules, staff review, and the realtime status stream. DESIGN §4 is the contract. Declares the
// application/loan events, the borrower's personal-data rules, the record APIs over its tables and the overview's
// applications part.
import { defineExtension, type ExtensionContext } from "../../src/runtime/index.ts";
import { productChangeAction, productRoutes } from "./routes/products.ts";
import { kycRoutes } from "./routes/kyc.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { loanRoutes } from "./routes/loans.ts";
import { adminSearch } from "./routes/search.ts";
import { adminPricingCheck } from "./routes/pricing-check.ts";
import { LOAN_EVENTS } from "./events.ts";
import { PII } from "./personal-data.ts";
import { RECORDS } from "./records.ts";
import { applicationsOverview } from "./overview.ts";
import { APPLICATION_STATUSES, LOAN_STATUSES } from "../../schemas/enums.ts";

export { transitionApplication, transitionLoan, APPLICATION_TRANSITIONS, LOAN_TRANSITIONS } from "./state.ts";

/** Business gauges (DESIGN §3): applications and loans by status, read from the database at scrape time. */
export function registerGauges(ctx: ExtensionContext) {
  const byStatus = (table: "applications" | "loans", statuses: readonly string[]) =>
    function (this: { set(labels: { status: string }, v: number): void }) {
      try {
        const counts = new Map(ctx.db.all<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`).map((r) => [r.status, r.n]));
        for (const s of statuses) this.set({ status: s }, counts.get(s) ?? 0);
      } catch {
        /* database closing */
      }
    };
  ctx.metrics.gauge("kreditku_applications", "Loan applications by status", ["status"], byStatus("applications", APPLICATION_STATUSES));
  ctx.metrics.gauge("kreditku_loans", "Loans by status", ["status"], byStatus("loans", LOAN_STATUSES));
}

export default defineExtension({
  name: "loans",
  routes: [...productRoutes, ...kycRoutes, ...applicationRoutes, ...loanRoutes, adminSearch, adminPricingCheck],
  events: LOAN_EVENTS,
  personalData: PII,
  records: RECORDS,
  overview: [applicationsOverview],
  approvals: [productChangeAction],
  init: registerGauges,
});
