// Double-entry ledger (DESIGN §4 "Ledger"). Every money movement is one journal whose debits equal its credits,
// posted with `postJournal(t, …)` inside the same write transaction as the state change it records.
// Amounts are integer rupiah; a journal is refused when it is unbalanced, empty or carries a non-integer amount.
import type { Sql } from "../../src/runtime/index.ts";

export const ACCOUNTS = [
  "cash",
  "disbursement_clearing",
  "principal_receivable",
  "interest_receivable",
  "fee_receivable",
  "late_fee_receivable",
  "borrower_credit",
  "interest_income",
  "fee_income",
  "late_fee_income",
  "write_off_expense",
  "funding",
  /** Drawdowns on a bank credit line: money the lender owes its bank (migration 0019). */
  "credit_line",
  /** Suspense: money received that is not (yet) applied to a loan (unknown VA, loan not payable). */
  "unapplied_cash",
  /** Money received on a written-off loan. */
  "recovery_income",
  /** Schedule interest not yet earned (credited at settlement, recognised per instalment as it falls due). */
  "unearned_interest",
  /** Schedule fees not yet earned (same recognition as interest; the upfront fee is earned at origination). */
  "unearned_fee",
] as const;
export type Account = (typeof ACCOUNTS)[number];

/** Accounts whose normal balance is a credit (liabilities, income, equity). */
export const CREDIT_NORMAL: ReadonlySet<Account> = new Set(["borrower_credit", "interest_income", "fee_income", "late_fee_income", "funding", "credit_line", "unapplied_cash", "recovery_income", "unearned_interest", "unearned_fee"]);

export type JournalLine = { account: Account; loanId?: string | null } & ({ debit: number; credit?: never } | { credit: number; debit?: never });

export interface JournalInput {
  kind: string;
  /** Idempotency reference: (kind, ref) is unique; posting the same pair again returns the first journal. */
  ref: string;
  loanId?: string | null;
  memo?: string;
  lines: JournalLine[];
  postedAt?: string;
}

export class LedgerError extends Error {}

function isMoney(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/** Validate a journal without touching the database. Throws LedgerError with the reason. */
export function validateJournal(j: JournalInput): { total: number; lines: { account: Account; loanId: string | null; debit: number; credit: number }[] } {
  if (!j.kind || !j.ref) throw new LedgerError("journal needs kind and ref");
  let dr = 0;
  let cr = 0;
  const out: { account: Account; loanId: string | null; debit: number; credit: number }[] = [];
  for (const l of j.lines) {
    if (!(ACCOUNTS as readonly string[]).includes(l.account)) throw new LedgerError(`unknown account ${String(l.account)}`);
    const hasD = l.debit !== undefined;
    const hasC = l.credit !== undefined;
    if (hasD === hasC) throw new LedgerError(`line on ${l.account} must carry exactly one of debit or credit`);
    const amt = hasD ? l.debit : l.credit;
    if (!isMoney(amt)) throw new LedgerError(`line on ${l.account}: amount ${String(amt)} is not a non-negative integer rupiah amount`);
    if (amt === 0) continue; // zero lines carry no information; drop them
    if (hasD) dr += amt;
    else cr += amt;
    out.push({ account: l.account, loanId: l.loanId ?? j.loanId ?? null, debit: hasD ? amt : 0, credit: hasC ? amt : 0 });
  }
  if (out.length < 2) throw new LedgerError(`journal ${j.kind}/${j.ref} needs at least two non-zero lines`);
  if (dr !== cr) throw new LedgerError(`journal ${j.kind}/${j.ref} is unbalanced: debits ${dr} ≠ credits ${cr}`);
  if (!Number.isSafeInteger(dr)) throw new LedgerError("journal total overflows");
  return { total: dr, lines: out };
}

/**
 * Post a balanced journal in the caller's transaction. Idempotent on (kind, ref): a second post with the same
 * pair returns the existing journal id and writes nothing.
 */
export function postJournal(t: Sql, j: JournalInput): { id: number; created: boolean } {
  const v = validateJournal(j);
  const existing = t.get<{ id: number }>("SELECT id FROM ledger_journals WHERE kind = ? AND ref = ?", j.kind, j.ref);
  if (existing) return { id: existing.id, created: false };
  const at = j.postedAt ?? new Date().toISOString();
  const res = t.run(
    "INSERT INTO ledger_journals (kind, ref, loan_id, memo, total, posted_at) VALUES (?, ?, ?, ?, ?, ?)",
    j.kind,
    j.ref,
    j.loanId ?? null,
    j.memo ?? null,
    v.total,
    at,
  );
  const id = Number(res.lastInsertRowid);
  for (const l of v.lines) {
    t.run("INSERT INTO ledger_lines (journal_id, account, loan_id, debit, credit) VALUES (?, ?, ?, ?, ?)", id, l.account, l.loanId, l.debit, l.credit);
  }
  return { id, created: true };
}

export interface TrialBalanceRow {
  account: Account;
  debit: number;
  credit: number;
  /** Balance on the account's normal side (debit-normal: debit − credit; credit-normal: credit − debit). */
  balance: number;
}

export function trialBalance(db: Sql): { accounts: TrialBalanceRow[]; totalDebit: number; totalCredit: number; balanced: boolean } {
  const rows = db.all<{ account: Account; debit: number; credit: number }>(
    "SELECT a.code AS account, COALESCE(SUM(l.debit), 0) AS debit, COALESCE(SUM(l.credit), 0) AS credit FROM ledger_accounts a LEFT JOIN ledger_lines l ON l.account = a.code GROUP BY a.code ORDER BY a.code",
  );
  let td = 0;
  let tc = 0;
  const accounts = rows.map((r) => {
    td += r.debit;
    tc += r.credit;
    return { ...r, balance: CREDIT_NORMAL.has(r.account) ? r.credit - r.debit : r.debit - r.credit };
  });
  return { accounts, totalDebit: td, totalCredit: tc, balanced: td === tc };
}

/** Balance of one account for one loan, on the account's normal side. */
export function loanAccountBalance(db: Sql, loanId: string, account: Account): number {
  const r = db.get<{ d: number; c: number }>(
    "SELECT COALESCE(SUM(debit), 0) AS d, COALESCE(SUM(credit), 0) AS c FROM ledger_lines WHERE loan_id = ? AND account = ?",
    loanId,
    account,
  )!;
  return CREDIT_NORMAL.has(account) ? r.c - r.d : r.d - r.c;
}

export interface Discrepancy {
  kind: "unbalanced_journal" | "book_unbalanced" | "receivable_mismatch" | "credit_mismatch" | "suspense_mismatch" | "unearned_mismatch";
  detail: string;
  journalId?: number;
  loanId?: string;
}

/**
 * Prove the book: every journal balances, the book balances, and for every loan (with or without ledger entries)
 * the receivables equal the schedule's unpaid amounts (principal, interest, fees; zero while disbursing, after
 * cancellation and after write-off) and the borrower-credit account equals the loan's credit balance; the
 * unapplied_cash suspense equals the payments held in it. Late fees are receivables once charged. Unearned income:
 * for an open loan (active, delinquent) booked with unearned income, unearned_interest / unearned_fee equal the
 * interest / schedule fees of the instalments without an `income.recognised` journal (not yet due when the sweep
 * last ran); zero for every other status. A loan settled before migration 0013 (its interest booked as income at
 * settlement, no unearned lines) is expected to carry none.
 * Returns the discrepancies, first one first (empty = the book is proven).
 */
export function checkLedger(db: Sql, opts: { limit?: number } = {}): { discrepancies: Discrepancy[]; journals: number; loans: number } {
  const limit = opts.limit ?? 50;
  const out: Discrepancy[] = [];
  const bad = db.all<{ id: number; kind: string; ref: string; d: number; c: number; total: number; n: number }>(
    `SELECT j.id, j.kind, j.ref, j.total, COALESCE(SUM(l.debit), 0) AS d, COALESCE(SUM(l.credit), 0) AS c, COUNT(l.id) AS n
       FROM ledger_journals j LEFT JOIN ledger_lines l ON l.journal_id = j.id
      GROUP BY j.id HAVING d <> c OR d <> j.total OR n < 2 ORDER BY j.id LIMIT ?`,
    limit,
  );
  for (const b of bad) out.push({ kind: "unbalanced_journal", journalId: b.id, detail: `journal ${b.id} (${b.kind}/${b.ref}) is unbalanced: debits ${b.d} credits ${b.c} total ${b.total} lines ${b.n}` });
  const orphan = db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_lines l LEFT JOIN ledger_journals j ON j.id = l.journal_id WHERE j.id IS NULL")!;
  if (orphan.n > 0) out.push({ kind: "unbalanced_journal", detail: `${orphan.n} ledger line(s) without a journal` });
  const tb = trialBalance(db);
  if (!tb.balanced) out.push({ kind: "book_unbalanced", detail: `book debits ${tb.totalDebit} ≠ credits ${tb.totalCredit}` });
  const journals = db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n;

  const hasLoans = !!db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'installments'");
  let loans = 0;
  if (hasLoans) {
    // Driven from the loans (plus any loan id the ledger names that has no loan row), so a loan whose journals were
    // never posted is checked too. Expected receivables: the schedule's unpaid amounts once the disbursement has
    // settled (active, delinquent, paid_off); nothing while it is still disbursing or after it was cancelled (money
    // that arrives early is held as borrower credit) and nothing once written off.
    const rows = db.all<{
      loan_id: string;
      pr: number | null;
      ir: number | null;
      fr: number | null;
      lr: number | null;
      bc: number | null;
      ui: number | null;
      uf: number | null;
      un_lines: number | null;
      ui_unrec: number | null;
      uf_unrec: number | null;
      p_unpaid: number | null;
      i_unpaid: number | null;
      f_unpaid: number | null;
      l_unpaid: number | null;
      credit: number | null;
      status: string | null;
    }>(
      `WITH led AS (
         SELECT loan_id,
                SUM(CASE WHEN account = 'principal_receivable' THEN debit - credit ELSE 0 END) AS pr,
                SUM(CASE WHEN account = 'interest_receivable' THEN debit - credit ELSE 0 END) AS ir,
                SUM(CASE WHEN account = 'fee_receivable' THEN debit - credit ELSE 0 END) AS fr,
                SUM(CASE WHEN account = 'late_fee_receivable' THEN debit - credit ELSE 0 END) AS lr,
                SUM(CASE WHEN account = 'borrower_credit' THEN credit - debit ELSE 0 END) AS bc,
                SUM(CASE WHEN account = 'unearned_interest' THEN credit - debit ELSE 0 END) AS ui,
                SUM(CASE WHEN account = 'unearned_fee' THEN credit - debit ELSE 0 END) AS uf,
                SUM(CASE WHEN account IN ('unearned_interest', 'unearned_fee') THEN 1 ELSE 0 END) AS un_lines
           FROM ledger_lines WHERE loan_id IS NOT NULL GROUP BY loan_id),
       sch AS (
         SELECT i.loan_id, SUM(i.principal_due - i.principal_paid) AS p, SUM(i.interest_due - i.interest_paid) AS i,
                SUM(i.fee_due - i.fee_paid) AS f, SUM(i.late_fee_due - i.late_fee_paid) AS l,
                SUM(CASE WHEN r.id IS NULL THEN i.interest_due ELSE 0 END) AS ui,
                SUM(CASE WHEN r.id IS NULL THEN i.fee_due ELSE 0 END) AS uf
           FROM installments i
           LEFT JOIN ledger_journals r ON r.kind = 'income.recognised' AND r.ref = i.loan_id || ':' || i.seq
          GROUP BY i.loan_id),
       ids AS (SELECT id AS loan_id FROM loans UNION SELECT loan_id FROM led)
       SELECT ids.loan_id, led.pr, led.ir, led.fr, led.lr, led.bc, led.ui, led.uf, led.un_lines,
              sch.p AS p_unpaid, sch.i AS i_unpaid, sch.f AS f_unpaid, sch.l AS l_unpaid,
              sch.ui AS ui_unrec, sch.uf AS uf_unrec,
              l.credit_balance_amount AS credit, l.status AS status
         FROM ids LEFT JOIN led ON led.loan_id = ids.loan_id LEFT JOIN sch ON sch.loan_id = ids.loan_id
              LEFT JOIN loans l ON l.id = ids.loan_id
        ORDER BY ids.loan_id`,
    );
    const noReceivables = new Set(["disbursing", "cancelled", "written_off"]);
    for (const r of rows) {
      loans++;
      if (out.length >= limit) break;
      const led = { p: r.pr ?? 0, i: r.ir ?? 0, f: r.fr ?? 0, l: r.lr ?? 0, bc: r.bc ?? 0 };
      const want = r.status !== null && noReceivables.has(r.status) ? { p: 0, i: 0, f: 0, l: 0 } : { p: r.p_unpaid ?? 0, i: r.i_unpaid ?? 0, f: r.f_unpaid ?? 0, l: r.l_unpaid ?? 0 };
      if (led.p !== want.p || led.i !== want.i || led.f !== want.f || led.l !== want.l) {
        out.push({
          kind: "receivable_mismatch",
          loanId: r.loan_id,
          detail: `loan ${r.loan_id} (${r.status ?? "no loan row"}): ledger receivables principal ${led.p} interest ${led.i} fees ${led.f} late fees ${led.l} ≠ expected principal ${want.p} interest ${want.i} fees ${want.f} late fees ${want.l}`,
        });
      }
      // Unearned income: open accrual loans carry the unrecognised instalments' interest and fees; nothing else does.
      const accrual = (r.un_lines ?? 0) > 0 && (r.status === "active" || r.status === "delinquent");
      const wantU = accrual ? { i: r.ui_unrec ?? 0, f: r.uf_unrec ?? 0 } : { i: 0, f: 0 };
      if ((r.ui ?? 0) !== wantU.i || (r.uf ?? 0) !== wantU.f) {
        out.push({
          kind: "unearned_mismatch",
          loanId: r.loan_id,
          detail: `loan ${r.loan_id} (${r.status ?? "no loan row"}): ledger unearned interest ${r.ui ?? 0} fees ${r.uf ?? 0} ≠ expected (unrecognised instalments) interest ${wantU.i} fees ${wantU.f}`,
        });
      }
      if (r.credit !== null && led.bc !== r.credit) {
        out.push({ kind: "credit_mismatch", loanId: r.loan_id, detail: `loan ${r.loan_id}: borrower credit in ledger ${led.bc} ≠ loan credit balance ${r.credit}` });
      }
    }
  }
  // Suspense: the unapplied_cash account holds exactly the payments still waiting for finance.
  const hasSuspense = !!db.get("SELECT 1 FROM pragma_table_info('payments') WHERE name = 'unapplied_amount'");
  if (hasSuspense) {
    const held = db.get<{ n: number }>("SELECT COALESCE(SUM(unapplied_amount), 0) AS n FROM payments")!.n;
    const led = tb.accounts.find((a) => a.account === "unapplied_cash")?.balance ?? 0;
    if (held !== led) out.push({ kind: "suspense_mismatch", detail: `unapplied_cash in the ledger ${led} ≠ payments held in suspense ${held}` });
  }
  return { discrepancies: out.slice(0, limit), journals, loans };
}

/**
 * Where the cash came from and went (the ledger check's figures): the cash account's balance — what the bank account
 * should hold — and the funding behind it (capital, credit-line drawdowns). Cash below zero means money went out
 * that no recorded funding brought in: record the funding (POST /api/v1/admin/ledger/funding).
 */
export function bookFigures(db: Sql): { cashAmount: number; fundingCapitalAmount: number; creditLineAmount: number; cashNegative: boolean } {
  const tb = trialBalance(db);
  const bal = (a: Account) => tb.accounts.find((x) => x.account === a)?.balance ?? 0;
  const cash = bal("cash");
  return { cashAmount: cash, fundingCapitalAmount: bal("funding"), creditLineAmount: bal("credit_line"), cashNegative: cash < 0 };
}
