#!/usr/bin/env bun
// The kreditku CLI: serve | worker | migrate | admin | backup | restore | openapi | version.
import { COMMANDS } from "./cli/commands.ts";
import { UsageError } from "./cli/types.ts";
import { ConfigError } from "./config.ts";
import { MigrationError } from "./db/migrate.ts";

function help() {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "kreditku — single-binary lending backend",
    "",
    "Usage: kreditku <command> [flags]   (kreditku <command> --help for its flags)",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") return (await COMMANDS.find((c) => c.name === "version")!.run([]));
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`kreditku: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    const code = await cmd.run(rest);
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
    if (e instanceof ConfigError || e instanceof MigrationError) {
      console.error(`kreditku: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
