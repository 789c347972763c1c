import { existsSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Installed } from "../runtime/types.ts";
import { depotPaths, type Config } from "../config.ts";

export type { Installed };

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** `installed` is what main() composes; commands that run extensions refuse to run without it. */
  run(argv: string[], installed?: Installed): Promise<number>;
}

/** The installed extensions and jobs, which a command that runs them cannot do without. */
export function requireInstalled(installed: Installed | undefined): Installed {
  if (!installed) throw new Error("this command runs the installed extensions: call it through main() (src/main.ts)");
  return installed;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/**
 * A runtime failure (exit code 1): the command was well formed but could not do its work, e.g. the depot it
 * inspects does not exist. Printed as one line "kreditku <command>: <message>".
 */
export class CommandError extends Error {}

/**
 * `--flag -5` is a value, not a flag: parseArgs would refuse it as ambiguous, so a string flag followed by something
 * that looks like a negative number is joined to it (`--flag=-5`) and the command's own check judges the value.
 */
function joinNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const takesValue = (arg: string) => {
    if (arg.startsWith("--")) return options[arg.slice(2)]?.type === "string";
    if (/^-[A-Za-z]$/.test(arg)) return Object.values(options).some((o) => o.short === arg[1] && o.type === "string");
    return false;
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (takesValue(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs that turns unknown flags and bad values into UsageError. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

export const depotFlag = { depot: { type: "string" as const, short: "d" } };
export const helpFlag = { help: { type: "boolean" as const, short: "h" } };

/**
 * The depot a read-only or inspection command works on must exist: only `serve`, `migrate` and `admin create`
 * create one. Throws CommandError (exit 1) naming the folder and how to create it.
 */
export function requireExistingDepot(config: Config): void {
  const paths = depotPaths(config.depot);
  if (existsSync(paths.db)) return;
  throw new CommandError(
    `no depot at ${config.depot} (no ${paths.db}): give --depot or KREDITKU_DEPOT, or create one with "kreditku migrate --depot ${config.depot}"`,
  );
}

/** Whether the depot's database exists yet (commands that create a depot say so when they do). */
export function depotExists(config: Config): boolean {
  return existsSync(depotPaths(config.depot).db);
}
