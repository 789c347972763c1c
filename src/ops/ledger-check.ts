// The ledger proof used on a restored copy before it is swapped in: every journal balances (sum of debits =
// sum of credits) and so does the whole book. The ledger's tables are introspected, so this works on any
// schema version that has them; a database without ledger tables passes with `checked: false`.
import type { Database } from "bun:sqlite";
import { quoteIdent } from "./backup.ts";

export interface LedgerCheckResult {
  checked: boolean;
  ok: boolean;
  table?: string;
  journals?: number;
  unbalanced?: Array<{ journal: unknown; debit: number; credit: number }>;
  detail: string;
}

const JOURNAL_COL = /^(journal_id|journal_entry_id|entry_id|transaction_id|txn_id)$/;

export function checkLedgerTables(db: Database): LedgerCheckResult {
  const tables = (db.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
    .map((t) => t.name)
    .filter((n) => /ledger|journal|posting/i.test(n));
  for (const t of tables) {
    const cols = (db.query(`PRAGMA table_info(${quoteIdent(t)})`).all() as { name: string }[]).map((c) => c.name.toLowerCase());
    const jcol = cols.find((c) => JOURNAL_COL.test(c));
    if (!jcol) continue;
    const debit = cols.find((c) => /^debit(_amount)?$/.test(c));
    const credit = cols.find((c) => /^credit(_amount)?$/.test(c));
    const amount = cols.find((c) => /^amount$/.test(c));
    const side = cols.find((c) => /^(side|direction|dc|entry_type|type)$/.test(c));
    let d: string, cr: string;
    if (debit && credit) {
      d = `coalesce(${quoteIdent(debit)}, 0)`;
      cr = `coalesce(${quoteIdent(credit)}, 0)`;
    } else if (amount && side) {
      const s = `lower(${quoteIdent(side)})`;
      d = `CASE WHEN ${s} IN ('debit', 'dr', 'd') THEN ${quoteIdent(amount)} ELSE 0 END`;
      cr = `CASE WHEN ${s} IN ('credit', 'cr', 'c') THEN ${quoteIdent(amount)} ELSE 0 END`;
    } else continue;
    const T = quoteIdent(t);
    const J = quoteIdent(jcol);
    const unbalanced = db
      .query(`SELECT ${J} AS journal, sum(${d}) AS debit, sum(${cr}) AS credit FROM ${T} GROUP BY ${J} HAVING sum(${d}) <> sum(${cr}) LIMIT 10`)
      .all() as Array<{ journal: unknown; debit: number; credit: number }>;
    const book = db.query(`SELECT count(DISTINCT ${J}) AS journals, coalesce(sum(${d}), 0) AS debit, coalesce(sum(${cr}), 0) AS credit FROM ${T}`).get() as {
      journals: number;
      debit: number;
      credit: number;
    };
    const ok = unbalanced.length === 0 && book.debit === book.credit;
    return {
      checked: true,
      ok,
      table: t,
      journals: book.journals,
      unbalanced,
      detail: ok
        ? `${book.journals} journal(s) in ${t} balance; book debits = credits = ${book.debit}`
        : `${unbalanced.length} unbalanced journal(s) in ${t}; book debits ${book.debit}, credits ${book.credit}`,
    };
  }
  return { checked: false, ok: true, detail: "no ledger tables in this database" };
}
