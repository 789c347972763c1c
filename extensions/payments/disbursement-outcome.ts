// A disbursement's outcome, reported by the gateway's webhook: success books the receivables and activates the loan
// (money that arrived early is applied), failure reverses the attempt and retries (jobs/disburse.ts), then asks for
// a person; outcomes that contradict what we know need attention. One transaction, the caller's.
import { jakartaDate, type TxContext } from "../../src/runtime/index.ts";
import { postJournal } from "../ledger/ledger.ts";
import { transitionLoan } from "../loans/state.ts";
import { dueDate } from "../loans/schedule.ts";
import { disburseJob } from "../../jobs/disburse.ts";
import { applyCredit } from "./credit.ts";
import { disbursementReference, MAX_DISBURSEMENT_ATTEMPTS, parseReference, retryDelayMs } from "./disbursements.ts";
import { ACTOR, loadInstalments, loadLoan } from "./loan-balance.ts";
import { disbursements } from "./rows.ts";
import type { DisbursementNotice } from "./verify.ts";

export interface DisbursementResult {
  disbursementId: string | null;
  loanId: string | null;
  status: "applied" | "ignored" | "needs_attention";
  outcome: "succeeded" | "failed";
  reason?: string;
  disbursementStatus?: string;
  loanStatus?: string;
  retryScheduled?: boolean;
}

/**
 * Apply a verified disbursement outcome. Success settles clearing into receivables (principal, interest and fees of
 * the schedule; the upfront fee as income), sets the schedule dates from the disbursement date, activates the loan
 * and applies any money that arrived early. Failure reverses the attempt's journal and retries, then needs_attention.
 * Outcomes that contradict what we know (amount, stale attempt, success after failure) → needs_attention.
 */
export function applyDisbursementOutcome(t: TxContext, notice: DisbursementNotice, now: Date, opts: { retryBaseMs?: number } = {}): DisbursementResult {
  const parsed = parseReference(notice.reference);
  const d = parsed ? disbursements.get(t, parsed.id) : undefined;
  const base = { disbursementId: d?.id ?? null, loanId: d?.loan_id ?? null, outcome: notice.status };
  if (!d || !parsed) return { ...base, status: "needs_attention", reason: "unknown_disbursement" };
  const at = now.toISOString();
  const attention = (reason: string): DisbursementResult => {
    t.run("UPDATE disbursements SET status = 'needs_attention', failure_reason = ?, updated_at = ? WHERE id = ?", reason, at, d.id);
    return { ...base, status: "needs_attention", reason, disbursementStatus: "needs_attention" };
  };
  if (parsed.attempt !== d.attempts || d.status !== "pending") {
    // A late or repeated outcome. The same outcome again, or a failure of an older attempt, changes nothing.
    // A success repeated with another amount contradicts the one applied: a person looks (the loan keeps its state).
    const sameOutcome = (d.status === "succeeded" && notice.status === "succeeded" && parsed.attempt === d.attempts && notice.amount === d.net_amount) || (notice.status === "failed" && (parsed.attempt < d.attempts || d.status === "failed"));
    if (sameOutcome) return { ...base, status: "ignored", reason: "already_settled", disbursementStatus: d.status };
    if (d.status === "succeeded" && notice.status === "succeeded" && parsed.attempt === d.attempts) return attention(`amount_mismatch: settled ${d.net_amount}, reported again as ${notice.amount}`);
    if (d.status === "needs_attention") return { ...base, status: "needs_attention", reason: "disbursement_needs_attention", disbursementStatus: d.status };
    return attention(notice.status === "succeeded" ? "success_for_stale_attempt" : "failure_after_success");
  }
  if (notice.amount !== d.net_amount) return attention(`amount_mismatch: expected ${d.net_amount}, got ${notice.amount}`);
  const ref = disbursementReference(d.id, parsed.attempt);
  if (notice.status === "failed") {
    postJournal(t, {
      kind: "disbursement.failed",
      ref,
      loanId: d.loan_id,
      memo: notice.failureCode,
      postedAt: at,
      lines: [
        { account: "cash", debit: d.net_amount },
        { account: "disbursement_clearing", credit: d.net_amount },
      ],
    });
    if (d.attempts < MAX_DISBURSEMENT_ATTEMPTS) {
      t.run("UPDATE disbursements SET status = 'queued', failure_reason = ?, updated_at = ? WHERE id = ?", notice.failureCode ?? "failed", at, d.id);
      t.enqueue(disburseJob, { loanId: d.loan_id }, { key: `disburse:${d.loan_id}:retry${d.attempts}`, runAt: new Date(now.getTime() + retryDelayMs(d.attempts, opts.retryBaseMs)) });
      return { ...base, status: "applied", disbursementStatus: "queued", retryScheduled: true };
    }
    t.run("UPDATE disbursements SET status = 'needs_attention', failure_reason = ?, updated_at = ? WHERE id = ?", `failed ${d.attempts} times: ${notice.failureCode ?? "failed"}`, at, d.id);
    return { ...base, status: "applied", disbursementStatus: "needs_attention", retryScheduled: false };
  }
  const loan = loadLoan(t, d.loan_id);
  if (!loan || loan.status !== "disbursing") return attention(`loan_${loan?.status ?? "missing"}`);
  // Schedule dates follow the disbursement date (Asia/Jakarta calendar day).
  const start = jakartaDate(notice.completedAt);
  const inst = loadInstalments(t, loan.id);
  let maturity = start;
  for (const i of inst) {
    const due = dueDate(start, i.seq, loan.tenor, loan.tenor_unit);
    t.run("UPDATE installments SET due_date = ? WHERE id = ?", due, i.id);
    if (due > maturity) maturity = due;
  }
  t.run("UPDATE loans SET start_date = ?, maturity_date = ?, updated_at = ? WHERE id = ?", start, maturity, at, loan.id);
  const interest = inst.reduce((s, i) => s + i.interestDue, 0);
  const fees = inst.reduce((s, i) => s + i.feeDue, 0);
  postJournal(t, {
    kind: "disbursement.settled",
    ref,
    loanId: loan.id,
    memo: "loan disbursed: receivables booked, schedule interest and fees unearned",
    postedAt: at,
    // Accrual: only the upfront fee is earned at origination; the schedule's interest and fees are unearned until
    // each instalment falls due (collections sweep) or the loan is paid off (ledger/income.ts).
    lines: [
      { account: "principal_receivable", debit: d.principal },
      { account: "interest_receivable", debit: interest },
      { account: "fee_receivable", debit: fees },
      { account: "disbursement_clearing", credit: d.net_amount },
      { account: "fee_income", credit: d.fee_amount },
      { account: "unearned_fee", credit: fees },
      { account: "unearned_interest", credit: interest },
    ],
  });
  t.run("UPDATE disbursements SET status = 'succeeded', completed_at = ?, failure_reason = NULL, updated_at = ? WHERE id = ?", notice.completedAt, at, d.id);
  transitionLoan(t, { loanId: loan.id, to: "active", actor: ACTOR, reason: `disbursed ${d.net_amount} (${ref})`, at: new Date(notice.completedAt) });
  applyCredit(t, loan.id, `activation:${loan.id}`, now);
  t.run("UPDATE payments SET status = 'applied', updated_at = ? WHERE loan_id = ? AND status = 'pending'", at, loan.id);
  return { ...base, status: "applied", disbursementStatus: "succeeded", loanStatus: loadLoan(t, loan.id)!.status };
}
