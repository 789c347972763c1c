// The kreditku CLI: serve | worker | migrate | admin | backup | restore | openapi | <check> check | version, over the
// extensions and jobs the composition root installs.
import type { Command, Installed } from "./types.ts";
import { CommandError, UsageError } from "./types.ts";
import { commandsFor } from "./commands.ts";
import { ConfigError } from "../config.ts";
import { MigrationError } from "../db/migrate.ts";
import { DependencyUnavailable } from "../runtime/dependency.ts";

function help(commands: Command[]) {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    "kreditku — single-binary lending backend",
    "",
    "Usage: kreditku <command> [flags]   (kreditku <command> --help for its flags)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
  ].join("\n");
}

export async function runCli(argv: string[], installed: Installed): Promise<number> {
  const commands = commandsFor(installed);
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help(commands));
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") return await commands.find((c) => c.name === "version")!.run([], installed);
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`kreditku: unknown command "${name}"\n\n${help(commands)}`);
    return 2;
  }
  try {
    const code = await cmd.run(rest, installed);
    if (code === -1) {
      console.log(`Usage: ${cmd.usage}\n\n${cmd.summary}`);
      return 0;
    }
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`kreditku ${name}: ${e.message}\nUsage: ${cmd.usage}`);
      return 2;
    }
    if (e instanceof CommandError) {
      console.error(`kreditku ${name}: ${e.message}`);
      return 1;
    }
    // a dependency that does not answer (Redis, S3): one line naming it, like any runtime failure
    if (e instanceof DependencyUnavailable) {
      console.error(`kreditku ${name}: ${e.dependency} is unavailable: ${e.reason}`);
      return 1;
    }
    if (e instanceof ConfigError || e instanceof MigrationError) {
      console.error(`kreditku: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
