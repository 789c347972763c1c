// Funding: the lender's money coming into the bank account — capital injections (Cr funding, equity) and
// drawdowns on a bank credit line (Cr credit_line, a liability) — each one balanced journal, Dr cash. Without these
// the disbursements drive cash negative and the trial balance stops mirroring the bank.
import type { Sql } from "../../src/runtime/index.ts";
import { FUNDING_ACCOUNT, type FundingRequest } from "../../schemas/ledger.ts";
import { postJournal, trialBalance } from "./ledger.ts";

/** Journal kind of a funding receipt, per source; (kind, reference) is unique. */
export const fundingKind = (source: FundingRequest["source"]) => `funding.${source}`;

export type FundingResult =
  | { ok: true; journalId: number; memo: string; postedAt: string; cashAmount: number; lines: { account: string; loanId: null; debitAmount: number; creditAmount: number }[] }
  | { ok: false; error: "duplicate_reference"; journalId: number };

/** Post a funding receipt in the caller's transaction. A reference already recorded for that source is refused. */
export function recordFunding(t: Sql, input: FundingRequest & { by: string; postedAt: string }): FundingResult {
  const kind = fundingKind(input.source);
  const existing = t.get<{ id: number }>("SELECT id FROM ledger_journals WHERE kind = ? AND ref = ?", kind, input.reference);
  if (existing) return { ok: false, error: "duplicate_reference", journalId: existing.id };
  const account = FUNDING_ACCOUNT[input.source];
  const memo = `${input.reason} (recorded by ${input.by})`;
  const { id } = postJournal(t, {
    kind,
    ref: input.reference,
    memo,
    postedAt: input.postedAt,
    lines: [
      { account: "cash", debit: input.amount },
      { account, credit: input.amount },
    ],
  });
  const cashAmount = trialBalance(t).accounts.find((a) => a.account === "cash")?.balance ?? 0;
  return {
    ok: true,
    journalId: id,
    memo,
    postedAt: input.postedAt,
    cashAmount,
    lines: [
      { account: "cash", loanId: null, debitAmount: input.amount, creditAmount: 0 },
      { account, loanId: null, debitAmount: 0, creditAmount: input.amount },
    ],
  };
}
