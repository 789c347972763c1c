// `kreditku ledger check`, and the ledger's proof of every backup before restore swaps it in: every journal and the
// book balance, receivables and credits match the loans (checkLedger). A database without ledger tables (a backup
// from before the ledger existed) has nothing to prove.
import { defineCheck } from "../../src/runtime/index.ts";
import { bookFigures, checkLedger, trialBalance } from "./ledger.ts";

export const ledgerCheck = defineCheck({
  name: "ledger",
  description: "prove every journal and per-loan receivable",
  run(db, opts) {
    const has = (table: string) => !!db.get("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", table);
    if (!has("ledger_journals") || !has("ledger_lines") || !has("ledger_accounts")) {
      return { ok: true, summary: "no ledger tables in this database", discrepancies: [], figures: { journals: 0, loans: 0, totalDebitAmount: 0, totalCreditAmount: 0 } };
    }
    const r = checkLedger(db, opts);
    const tb = trialBalance(db);
    const f = bookFigures(db);
    const cash = f.cashNegative
      ? `cash ${f.cashAmount} is below zero: funding that came in is not recorded (capital ${f.fundingCapitalAmount}, credit line ${f.creditLineAmount})`
      : `cash ${f.cashAmount} (funded by capital ${f.fundingCapitalAmount}, credit line ${f.creditLineAmount})`;
    return {
      ok: r.discrepancies.length === 0,
      summary: `${r.journals} journal(s) balanced, book debits = credits = ${tb.totalDebit}, ${r.loans} loan(s) match their schedules; ${cash}`,
      discrepancies: r.discrepancies,
      figures: { journals: r.journals, loans: r.loans, totalDebitAmount: tb.totalDebit, totalCreditAmount: tb.totalCredit, ...f },
    };
  },
});
