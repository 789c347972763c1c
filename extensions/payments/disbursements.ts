// Disbursements, owner side of the `disburse` job (jobs/disburse.ts): one disbursement per loan, attempts sent to
// the gateway by reference (idempotent per reference), the journal moving the net amount from cash into
// disbursement clearing, and the loan's repayment VA queued.
import { randomUUID } from "node:crypto";
import type { ExtensionContext, Sql, TxContext } from "../../src/runtime/index.ts";
import { postJournal } from "../ledger/ledger.ts";
import { issueVirtualAccountJob } from "../../jobs/issue-virtual-account.ts";
import { GATEWAY_PORT, type DisbursementRequest, type PaymentGateway } from "./gateway.ts";
import { loadLoan } from "./loan-balance.ts";
import { disbursements, virtualAccounts, type DisbursementRow } from "./rows.ts";

export const MAX_DISBURSEMENT_ATTEMPTS = 3;

export const disbursementReference = (id: string, attempt: number) => `${id}.${attempt}`;

export function parseReference(ref: string): { id: string; attempt: number } | null {
  const i = ref.lastIndexOf(".");
  if (i <= 0) return null;
  const attempt = Number(ref.slice(i + 1));
  return Number.isInteger(attempt) && attempt > 0 ? { id: ref.slice(0, i), attempt } : null;
}

export type PrepareResult =
  | { action: "send"; request: DisbursementRequest; disbursementId: string; attempt: number; /** no payout snapshot on the loan (pre-0011): paid to the profile's account */ payoutFallback?: boolean }
  | { action: "skip"; reason: string };

/**
 * Owner side of the `disburse` job, step 1 (one transaction): create the loan's one disbursement row (unique per
 * loan), start an attempt, post the journal moving the net amount from cash into disbursement clearing, and make
 * sure the loan has a repayment VA. Calling it again while an attempt is pending returns the same request (the
 * gateway is idempotent per reference).
 */
export function prepareDisbursement(t: TxContext, loanId: string, now: Date): PrepareResult {
  const loan = loadLoan(t, loanId);
  if (!loan) return { action: "skip", reason: "loan_not_found" };
  if (loan.status !== "disbursing") return { action: "skip", reason: `loan_${loan.status}` };
  const at = now.toISOString();
  let d = t.get<DisbursementRow>(`${disbursements.select()} WHERE loan_id = ?`, loanId);
  if (!d) {
    const net = loan.disbursed_amount > 0 ? loan.disbursed_amount : loan.principal_amount - loan.upfront_fee_amount;
    const id = `dsb_${randomUUID().replaceAll("-", "")}`;
    t.run(
      "INSERT INTO disbursements (id, loan_id, principal, fee_amount, net_amount, status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
      id,
      loanId,
      loan.principal_amount,
      loan.principal_amount - net,
      net,
      at,
      at,
    );
    d = disbursements.get(t, id)!;
  }
  if (d.status !== "queued" && d.status !== "pending") return { action: "skip", reason: `disbursement_${d.status}` };
  if (d.status === "queued") {
    const attempt = d.attempts + 1;
    const ref = disbursementReference(d.id, attempt);
    t.run("UPDATE disbursements SET status = 'pending', attempts = ?, requested_at = ?, updated_at = ? WHERE id = ?", attempt, at, at, d.id);
    postJournal(t, {
      kind: "disbursement.sent",
      ref,
      loanId,
      memo: `disbursement attempt ${attempt}`,
      postedAt: at,
      lines: [
        { account: "disbursement_clearing", debit: d.net_amount },
        { account: "cash", credit: d.net_amount },
      ],
    });
    d = { ...d, status: "pending", attempts: attempt };
  }
  if (!t.get(`${virtualAccounts.select(["va_number"])} WHERE loan_id = ?`, loanId)) t.enqueue(issueVirtualAccountJob, { loanId }, { key: `issue-virtual-account:${loanId}` });
  // The payout account is the one snapshotted at submission (checked by fraud) and copied to the loan at acceptance,
  // never the live profile. Loans created before migration 0011 have none: fall back to the profile (flagged, logged).
  const snap = t.get<{ payout_account_json: string | null }>("SELECT payout_account_json FROM loans WHERE id = ?", loanId)?.payout_account_json;
  const payout = snap ? (JSON.parse(snap) as { bankCode: string; accountNumber: string; accountName: string }) : null;
  const bank = payout
    ? { bank_code: payout.bankCode, bank_account_number: payout.accountNumber, bank_account_name: payout.accountName }
    : t.get<{ bank_code: string; bank_account_number: string; bank_account_name: string }>(
        "SELECT bank_code, bank_account_number, bank_account_name FROM borrower_profiles WHERE user_id = ?",
        loan.user_id,
      );
  return {
    action: "send",
    disbursementId: d.id,
    attempt: d.attempts,
    ...(payout ? {} : { payoutFallback: true }),
    request: {
      reference: disbursementReference(d.id, d.attempts),
      loanId,
      amount: d.net_amount,
      bankCode: bank?.bank_code ?? "UNKNOWN",
      accountNumber: bank?.bank_account_number ?? "UNKNOWN",
      accountName: bank?.bank_account_name ?? "UNKNOWN",
    },
  };
}

export function markDisbursementSent(t: Sql, disbursementId: string, attempt: number, gatewayRef: string, provider: string, now: Date) {
  t.run("UPDATE disbursements SET gateway_ref = ?, provider = ?, updated_at = ? WHERE id = ? AND attempts = ?", gatewayRef, provider, now.toISOString(), disbursementId, attempt);
}

export function markDisbursementNeedsAttention(t: Sql, disbursementId: string, reason: string, now: Date) {
  t.run("UPDATE disbursements SET status = 'needs_attention', failure_reason = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'pending')", reason, now.toISOString(), disbursementId);
}

/** Base retry delay of a failed disbursement, unless the payments settings say otherwise (disburseRetryMs). */
export const DEFAULT_DISBURSE_RETRY_MS = 60_000;

/** Retry delay of a failed disbursement: the base delay, doubling per attempt. */
export function retryDelayMs(attempt: number, baseMs = DEFAULT_DISBURSE_RETRY_MS): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

/** What a disbursement attempt came to (the `disburse` job's result). */
export interface DisburseOutcome {
  status: "sent" | "skipped";
  reason?: string;
}

/**
 * The `disburse` job's work: prepare the attempt (one transaction), send it to the gateway, record the gateway's
 * reference. A gateway error is thrown for the job's retries (the gateway is idempotent per reference); on the job's
 * last attempt the disbursement first asks for a person (needs_attention).
 */
export async function sendDisbursement(ctx: ExtensionContext, loanId: string, opts: { lastAttempt: boolean }): Promise<DisburseOutcome> {
  const now = ctx.clock.now();
  const prep = ctx.tx((t) => prepareDisbursement(t, loanId, now));
  if (prep.action === "skip") {
    ctx.log.info("disburse: nothing to do", { loanId, reason: prep.reason });
    return { status: "skipped", reason: prep.reason };
  }
  if (prep.payoutFallback) ctx.log.warn("disburse: loan has no payout account snapshot (created before migration 0011); paying to the profile's bank account", { loanId, attempt: prep.attempt });
  const gw = ctx.port<PaymentGateway>(GATEWAY_PORT);
  try {
    const r = await gw.requestDisbursement(prep.request);
    ctx.tx((t) => markDisbursementSent(t, prep.disbursementId, prep.attempt, r.gatewayRef, gw.provider, ctx.clock.now()));
    return { status: "sent" };
  } catch (err) {
    if (opts.lastAttempt) ctx.tx((t) => markDisbursementNeedsAttention(t, prep.disbursementId, `gateway error: ${(err as Error).message}`.slice(0, 500), ctx.clock.now()));
    throw err;
  }
}
