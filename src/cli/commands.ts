// Every CLI command, listed statically. Each feature adds its command here.
import type { Command } from "./types.ts";
import { serveCommand } from "./serve.ts";
import { migrateCommand } from "./migrate.ts";
import { adminCommand } from "./admin.ts";
import { openapiCommand } from "./openapi.ts";
import { versionCommand } from "./version.ts";
import { workerCommand } from "./worker.ts";
import { jobsCommand } from "./jobs.ts";
import { keysCommand } from "./keys.ts";
import { backupCommand, restoreCommand } from "./backup.ts";
import { ledgerCommand } from "./ledger.ts";

export const COMMANDS: Command[] = [serveCommand, migrateCommand, adminCommand, openapiCommand, keysCommand, workerCommand, jobsCommand, backupCommand, restoreCommand, ledgerCommand, versionCommand];
