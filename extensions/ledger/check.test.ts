// The `ledger` check: what `kreditku ledger check` prints and every backup must pass before restore swaps it in.
import { describe, expect, test } from "bun:test";
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { ledgerCheck } from "./check.ts";

describe("ledger check", () => {
  test("proves balanced journals and the book; names an unbalanced journal", () => {
    const db = new Db(":memory:");
    migrate(db);
    db.writer.raw.exec(`INSERT INTO ledger_journals (id, kind, ref, total, posted_at) VALUES (1, 'funding', 'f1', 1000, '2026-01-01T00:00:00Z');
      INSERT INTO ledger_lines (journal_id, account, debit, credit) VALUES (1, 'cash', 1000, 0), (1, 'funding', 0, 1000);`);
    const ok = ledgerCheck.run(db.read, {});
    expect(ok).toMatchObject({ ok: true, summary: "1 journal(s) balanced, book debits = credits = 1000, 0 loan(s) match their schedules; cash 1000 (funded by capital 1000, credit line 0)", discrepancies: [] });
    expect(ok.figures).toEqual({ journals: 1, loans: 0, totalDebitAmount: 1000, totalCreditAmount: 1000, cashAmount: 1000, fundingCapitalAmount: 1000, creditLineAmount: 0, cashNegative: false });
    db.writer.raw.exec("UPDATE ledger_lines SET credit = 900 WHERE account = 'funding'");
    const bad = ledgerCheck.run(db.read, { limit: 10 });
    expect(bad.ok).toBe(false);
    expect(bad.discrepancies[0].detail).toContain("journal 1");
    db.close();
  });

  test("a database without the ledger's tables has nothing to prove", () => {
    const db = new Db(":memory:");
    db.writer.exec("CREATE TABLE gl_postings (id INTEGER PRIMARY KEY, journal_id INTEGER, amount INTEGER, side TEXT)");
    expect(ledgerCheck.run(db.read, { limit: 10 })).toMatchObject({ ok: true, summary: "no ledger tables in this database", discrepancies: [] });
    db.close();
  });
});
