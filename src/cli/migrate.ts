import type { Command } from "./types.ts";
import { depotExists, depotFlag, helpFlag, parseFlags } from "./types.ts";
import { loadConfig } from "../config.ts";
import { ensureDepot } from "../platform.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { depotPaths } from "../config.ts";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Apply pending database migrations and exit",
  usage: "kreditku migrate [--depot ./traildepot]",
  async run(argv) {
    const { values } = parseFlags(argv, { ...depotFlag, ...helpFlag });
    if (values.help) return -1;
    const config = loadConfig({ depot: values.depot });
    if (!depotExists(config)) console.log(`creating a new depot at ${config.depot}`);
    ensureDepot(config);
    const db = new Db(depotPaths(config.depot).db, 1);
    try {
      const res = migrate(db, undefined, (m) => console.log(m));
      console.log(`${res.applied.length} migration(s) applied, ${res.total} in total`);
    } finally {
      db.close();
    }
    return 0;
  },
};
