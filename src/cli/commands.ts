// Every CLI command: the platform's, listed statically, and one `<name> check` command per operator check the
// installed extensions register.
//
// The platform's commands are listed by name and summary here and their modules are imported when one runs: a
// command's module brings what it needs (serve: the HTTP app; backup: the AWS SDK and gzip; jobs/worker: BullMQ), and
// `kreditku serve` does not evaluate the backup command's S3 client to start. `bun build --compile` still bundles
// every module named in an import() below; only their evaluation waits (commands.test.ts keeps the summaries listed
// here equal to the modules' own).
import type { Command, Installed } from "./types.ts";
import { checkCommand } from "./checks.ts";
import { versionCommand } from "./version.ts";
import { Registry } from "../runtime/registry.ts";

/** A command whose module is imported on its first run; `usage` becomes the module's own once loaded. */
export function lazyCommand(name: string, summary: string, usage: string, load: () => Promise<Command>): Command & { load(): Promise<Command> } {
  let loaded: Promise<Command> | undefined;
  const cmd = {
    name,
    summary,
    usage,
    load: () =>
      (loaded ??= load().then((c) => {
        cmd.usage = c.usage;
        return c;
      })),
    run: async (argv: string[], installed?: Installed) => (await cmd.load()).run(argv, installed),
  };
  return cmd;
}

export const PLATFORM_COMMANDS: Command[] = [
  lazyCommand("serve", "Run the API server on the depot (creates it on first start)", "kreditku serve [--port 4000] [--host 0.0.0.0] [--depot ./traildepot]", async () => (await import("./serve.ts")).serveCommand),
  lazyCommand("migrate", "Apply pending database migrations and exit", "kreditku migrate [--depot ./traildepot]", async () => (await import("./migrate.ts")).migrateCommand),
  lazyCommand("admin", "Manage staff users: admin create --email E --password P [--role admin]", "kreditku admin create --email E --password P [--role admin|analyst|finance] [--name N] [--depot ./traildepot]", async () => (await import("./admin.ts")).adminCommand),
  lazyCommand("openapi", "Print the OpenAPI 3.1 document as JSON", "kreditku openapi", async () => (await import("./openapi.ts")).openapiCommand),
  lazyCommand("keys", "Rotate the access-token signing key: keys rotate (old keys verify until their tokens expire)", "kreditku keys rotate [--depot ./traildepot]", async () => (await import("./keys.ts")).keysCommand),
  lazyCommand("worker", "Run stateless BullMQ workers for runsOn 'any' jobs (needs REDIS_URL)", "kreditku worker [flags]", async () => (await import("./worker.ts")).workerCommand),
  lazyCommand(
    "jobs",
    "Inspect and repair jobs: jobs list [--state failed|dead|pending] | retry <id|key|--all-dead> | purge --dead | redispatch [--dry-run]",
    "kreditku jobs list | retry | purge | redispatch",
    async () => (await import("./jobs.ts")).jobsCommand,
  ),
  lazyCommand("backup", "Online consistent backup of the depot database (folder or S3), list and verify backups", "kreditku backup [flags]", async () => (await import("./backup.ts")).backupCommand),
  lazyCommand("restore", "Restore the depot database from a verified backup (refuses while serve runs)", "kreditku restore --from <backup> [flags]", async () => (await import("./backup.ts")).restoreCommand),
];

export function commandsFor(installed: Installed): Command[] {
  const checks = [...new Registry(installed.extensions, installed.jobs).checks.values()].map((c) => checkCommand(c.def));
  const taken = new Set([...PLATFORM_COMMANDS, versionCommand].map((c) => c.name));
  for (const c of checks) if (taken.has(c.name)) throw new Error(`check "${c.name}" has the name of a platform command`);
  return [...PLATFORM_COMMANDS, ...checks, versionCommand];
}
