// Loan origination (issue 5): products and quotes, borrower profile + KYC documents, applications and their state
// machine, loans with their schedules, staff review, and the realtime status stream. DESIGN §4 is the contract.
import { defineExtension } from "../../src/runtime/index.ts";
import { productRoutes } from "./routes/products.ts";
import { kycRoutes } from "./routes/kyc.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { loanRoutes } from "./routes/loans.ts";

export { transitionApplication, transitionLoan, APPLICATION_TRANSITIONS, LOAN_TRANSITIONS } from "./state.ts";

export default defineExtension({
  name: "loans",
  routes: [...productRoutes, ...kycRoutes, ...applicationRoutes, ...loanRoutes],
});
