import type { Command } from "./types.ts";
import { UsageError, depotExists, depotFlag, helpFlag, parseFlags } from "./types.ts";
import { loadConfig, depotPaths } from "../config.ts";
import { ensureDepot } from "../platform.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { checkStaffInput, createStaffUser, STAFF_ROLES, StaffUserError } from "../auth/staff.ts";

export const adminCommand: Command = {
  name: "admin",
  summary: "Manage staff users: admin create --email E --password P [--role admin]",
  usage: "kreditku admin create --email E --password P [--role admin|analyst|finance] [--name N] [--depot ./traildepot]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "--help" || sub === "-h") return -1;
    if (sub !== "create") throw new UsageError(sub ? `unknown admin subcommand "${sub}"` : "admin needs a subcommand (create)");
    const { values } = parseFlags(rest, {
      ...depotFlag,
      ...helpFlag,
      email: { type: "string" },
      password: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
    });
    if (values.help) return -1;
    if (!values.email) throw new UsageError("--email is required");
    if (!values.password) throw new UsageError("--password is required");
    const role = (values.role ?? "admin") as (typeof STAFF_ROLES)[number];
    if (!STAFF_ROLES.includes(role)) throw new UsageError(`--role must be one of ${STAFF_ROLES.join(", ")}`);
    try {
      checkStaffInput({ email: values.email, password: values.password, name: values.name }); // bad values first: nothing created
    } catch (e) {
      if (e instanceof StaffUserError) throw new UsageError(e.message);
      throw e;
    }
    const config = loadConfig({ depot: values.depot });
    if (!depotExists(config)) console.error(`kreditku admin create: creating a new depot at ${config.depot}`);
    ensureDepot(config);
    const db = new Db(depotPaths(config.depot).db, 1);
    try {
      migrate(db);
      let user;
      try {
        user = await createStaffUser(db, { email: values.email, password: values.password, role, name: values.name });
      } catch (e) {
        if (e instanceof StaffUserError) {
          console.error(`kreditku admin create: ${e.message}`);
          return 1;
        }
        throw e;
      }
      console.log(JSON.stringify({ created: true, id: user.id, email: user.email, role: user.role }));
    } finally {
      db.close();
    }
    return 0;
  },
};
