// What a VA owes when the bank asks (SNAP VA inquiry), consistent with the loan's own figures: the unpaid part of
// every instalment due up to today (Jakarta), or, when nothing is due yet, the next instalment's unpaid part; less
// the borrower's credit balance; never more than the payoff amount. A written-off loan owes its payoff (paid as a
// recovery). The VA stays open: the bank may accept another amount, applied by allocation like any payment.
import { jakartaDate, type Sql } from "../../../src/runtime/index.ts";
import { oldestFirst, outstandingOf, payoffQuote } from "../allocation.ts";
import { loadInstalments, loadLoan } from "../loan-balance.ts";

export type AmountDue =
  | { ok: true; loanId: string; amount: number; name: string; payoffAmount: number }
  | { ok: false; reason: "unknown_virtual_account" | "paid" | "not_payable" };

export function amountDue(db: Sql, vaNumber: string, provider: string, now: Date): AmountDue {
  const va = db.get<{ loan_id: string; provider: string; name: string | null }>("SELECT loan_id, provider, name FROM virtual_accounts WHERE va_number = ?", vaNumber);
  if (!va || va.provider !== provider) return { ok: false, reason: "unknown_virtual_account" };
  const loan = loadLoan(db, va.loan_id);
  if (!loan) return { ok: false, reason: "unknown_virtual_account" };
  if (loan.status === "cancelled") return { ok: false, reason: "not_payable" };
  const instalments = oldestFirst(loadInstalments(db, loan.id));
  const q = payoffQuote(instalments, loan.credit_balance_amount);
  if (loan.status === "paid_off" || q.payoffAmount === 0) return { ok: false, reason: "paid" };
  const name = (va.name ?? "").trim() || "KREDITKU BORROWER";
  if (loan.status === "written_off") return { ok: true, loanId: loan.id, amount: q.payoffAmount, name, payoffAmount: q.payoffAmount };
  const today = jakartaDate(now);
  const open = instalments.filter((i) => outstandingOf(i) > 0);
  const dueNow = open.filter((i) => i.dueDate <= today).reduce((s, i) => s + outstandingOf(i), 0);
  const raw = dueNow > 0 ? dueNow : outstandingOf(open[0]);
  const amount = Math.min(Math.max(0, raw - loan.credit_balance_amount), q.payoffAmount);
  if (amount === 0) return { ok: false, reason: "paid" };
  return { ok: true, loanId: loan.id, amount, name, payoffAmount: q.payoffAmount };
}
