// `kreditku <check> check [--depot D] [--json]`: one command per operator check the installed extensions register
// (e.g. `kreditku ledger check`, the ledger's proof). Prints "<name> ok: <summary> (<ms> ms)" and exits 0 when the
// check proves its claim; prints the first discrepancy (and how many more) on stderr and exits 1 when it does not.
// --json prints { ok, ...figures, discrepancies, ms } either way.
import type { Command } from "./types.ts";
import { UsageError, depotFlag, helpFlag, parseFlags, requireExistingDepot } from "./types.ts";
import { loadConfig, depotPaths } from "../config.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import type { CheckDefinition } from "../runtime/types.ts";

export function checkCommand(check: CheckDefinition): Command {
  const { name } = check;
  return {
    name,
    summary: `${name[0].toUpperCase()}${name.slice(1)} tools: ${name} check (${check.description})`,
    usage: `kreditku ${name} check [--depot ./traildepot] [--json]`,
    async run(argv) {
      const [sub, ...rest] = argv;
      if (sub === "--help" || sub === "-h") return -1;
      if (sub !== "check") throw new UsageError(sub ? `unknown ${name} subcommand "${sub}"` : `${name} needs a subcommand (check)`);
      const { values } = parseFlags(rest, { ...depotFlag, ...helpFlag, json: { type: "boolean" } });
      if (values.help) return -1;
      const config = loadConfig({ depot: values.depot });
      requireExistingDepot(config);
      const db = new Db(depotPaths(config.depot).db, 1);
      try {
        migrate(db);
        const started = performance.now();
        const r = check.run(db.read, {});
        const ms = Math.round(performance.now() - started);
        if (values.json) console.log(JSON.stringify({ ok: r.ok, ...r.figures, discrepancies: r.discrepancies, ms }));
        else if (r.ok) console.log(`${name} ok: ${r.summary} (${ms} ms)`);
        else {
          const [first, ...more] = r.discrepancies;
          console.error(`${name} check FAILED: ${first?.detail ?? r.summary}`);
          if (more.length > 0) console.error(`(${more.length} more discrepanc${more.length === 1 ? "y" : "ies"})`);
        }
        return r.ok ? 0 : 1;
      } finally {
        db.close();
      }
    },
  };
}
