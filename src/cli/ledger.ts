// `kreditku ledger check [--depot D]`: prove the book — every journal balances, the book balances, and per-loan
// receivables equal the schedules' unpaid amounts. Exits 1 with the first discrepancy, 0 when proven.
import type { Command } from "./types.ts";
import { UsageError, depotFlag, helpFlag, parseFlags } from "./types.ts";
import { loadConfig, depotPaths } from "../config.ts";
import { ensureDepot } from "../platform.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { checkLedger, trialBalance } from "../../extensions/ledger/ledger.ts";

export const ledgerCommand: Command = {
  name: "ledger",
  summary: "Ledger tools: ledger check (prove every journal and per-loan receivable)",
  usage: "kreditku ledger check [--depot ./traildepot] [--json]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "--help" || sub === "-h") return -1;
    if (sub !== "check") throw new UsageError(sub ? `unknown ledger subcommand "${sub}"` : "ledger needs a subcommand (check)");
    const { values } = parseFlags(rest, { ...depotFlag, ...helpFlag, json: { type: "boolean" } });
    if (values.help) return -1;
    const config = loadConfig({ depot: values.depot });
    ensureDepot(config);
    const db = new Db(depotPaths(config.depot).db, 1);
    try {
      migrate(db);
      const started = performance.now();
      const r = checkLedger(db.read);
      const tb = trialBalance(db.read);
      const ms = Math.round(performance.now() - started);
      const ok = r.discrepancies.length === 0;
      if (values.json) console.log(JSON.stringify({ ok, journals: r.journals, loans: r.loans, totalDebitAmount: tb.totalDebit, totalCreditAmount: tb.totalCredit, discrepancies: r.discrepancies, ms }));
      else if (ok) console.log(`ledger ok: ${r.journals} journal(s) balanced, book debits = credits = ${tb.totalDebit}, ${r.loans} loan(s) match their schedules (${ms} ms)`);
      else {
        console.error(`ledger check FAILED: ${r.discrepancies[0].detail}`);
        if (r.discrepancies.length > 1) console.error(`(${r.discrepancies.length - 1} more discrepanc${r.discrepancies.length === 2 ? "y" : "ies"})`);
      }
      return ok ? 0 : 1;
    } finally {
      db.close();
    }
  },
};
