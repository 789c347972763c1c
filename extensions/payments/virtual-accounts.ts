// Repayment virtual accounts: one per loan, issued (the `issue-virtual-account` job, jobs/issue-virtual-account.ts)
// in the borrower's name, idempotent per loan: by the gateway (settings vaIssuer = gateway, default), or numbered
// here as SNAP BI direct VAs at the lender's bank (vaIssuer = snap, ./snap/virtual-accounts.ts) while payouts stay
// on the gateway.
import type { ExtensionContext, Sql } from "../../src/runtime/index.ts";
import { loans, profiles } from "../loans/rows.ts";
import { GATEWAY_PORT, type PaymentGateway } from "./gateway.ts";
import { virtualAccounts, type VirtualAccountRow } from "./rows.ts";
import { paymentSettings } from "./settings.ts";
import { issueSnapVirtualAccount } from "./snap/virtual-accounts.ts";

/** The loan's repayment VA, if it has one. */
export function virtualAccountOf(db: Sql, loanId: string): Pick<VirtualAccountRow, "va_number" | "bank_code"> | undefined {
  return db.get(`${virtualAccounts.select(["va_number", "bank_code"])} WHERE loan_id = ?`, loanId);
}

/** Issue the loan's VA (the existing one when it has one; null for no such loan). */
export async function issueVirtualAccount(ctx: ExtensionContext, loanId: string): Promise<{ vaNumber: string | null }> {
  const existing = virtualAccountOf(ctx.db, loanId);
  if (existing) return { vaNumber: existing.va_number };
  const loan = loans.get(ctx.db, loanId, ["id", "user_id"]);
  if (!loan) return { vaNumber: null };
  const fullName = profiles.get(ctx.db, loan.user_id, ["full_name"])?.full_name;
  const s = ctx.settings(paymentSettings);
  if (s.vaIssuer === "snap") return { vaNumber: issueSnapVirtualAccount(ctx, s, loanId, fullName) };
  const name = fullName ?? "KREDITKU BORROWER";
  const gw = ctx.port<PaymentGateway>(GATEWAY_PORT);
  const va = await gw.createVirtualAccount({ loanId, name });
  const at = ctx.clock.now().toISOString();
  ctx.tx((t) =>
    t.run(
      "INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, name, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      va.vaNumber,
      loanId,
      gw.provider,
      va.bankCode,
      va.name,
      at,
    ),
  );
  return { vaNumber: va.vaNumber };
}
