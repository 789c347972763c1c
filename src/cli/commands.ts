// Every CLI command: the platform's, listed statically, and one `<name> check` command per operator check the
// installed extensions register.
import type { Command, Installed } from "./types.ts";
import { serveCommand } from "./serve.ts";
import { migrateCommand } from "./migrate.ts";
import { adminCommand } from "./admin.ts";
import { openapiCommand } from "./openapi.ts";
import { versionCommand } from "./version.ts";
import { workerCommand } from "./worker.ts";
import { jobsCommand } from "./jobs.ts";
import { keysCommand } from "./keys.ts";
import { backupCommand, restoreCommand } from "./backup.ts";
import { checkCommand } from "./checks.ts";
import { Registry } from "../runtime/registry.ts";

const PLATFORM_COMMANDS: Command[] = [serveCommand, migrateCommand, adminCommand, openapiCommand, keysCommand, workerCommand, jobsCommand, backupCommand, restoreCommand];

export function commandsFor(installed: Installed): Command[] {
  const checks = [...new Registry(installed.extensions, installed.jobs).checks.values()].map((c) => checkCommand(c.def));
  const taken = new Set([...PLATFORM_COMMANDS, versionCommand].map((c) => c.name));
  for (const c of checks) if (taken.has(c.name)) throw new Error(`check "${c.name}" has the name of a platform command`);
  return [...PLATFORM_COMMANDS, ...checks, versionCommand];
}
