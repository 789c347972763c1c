import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Installed } from "../runtime/types.ts";

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

/** parseArgs that turns unknown flags and bad values into UsageError. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

export const depotFlag = { depot: { type: "string" as const, short: "d" } };
export const helpFlag = { help: { type: "boolean" as const, short: "h" } };
