// Secrets for extensions, read the way the platform reads its own (DESIGN §1: secrets only by environment variable
// or depot/secrets, never config.json): the variable when it is set, else the file depot/secrets/<file>, which may
// be generated on first read. Read at each call, so a rotated secret is picked up without a restart.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { depotPaths, type Config } from "../config.ts";
import { writeSecretFile } from "../auth/secrets.ts";

export interface SecretSpec {
  /** Environment variable that holds it (wins when set and not empty). */
  env: string;
  /** File name under depot/secrets. */
  file: string;
  /**
   * Makes a value for a missing file on first read (written 0600); a read-only depot leaves it missing. Never in
   * production (config `env`): there the secret stays unset until the operator supplies it.
   */
  generate?: () => string;
}

/** The secret's text and where it came from (the variable's name or the file's path, never the value), null when unset. */
export function readSecret(base: { config: Config }, spec: SecretSpec, env: Readonly<Record<string, string | undefined>> = process.env): { source: string; value: string | null } {
  const fromEnv = env[spec.env];
  if (fromEnv) return { source: spec.env, value: fromEnv };
  const file = join(depotPaths(base.config.depot).secrets, spec.file);
  if (!existsSync(file) && spec.generate && base.config.env !== "production") {
    try {
      writeSecretFile(file, spec.generate());
    } catch {
      /* read-only depot: no secret */
    }
  }
  if (!existsSync(file)) return { source: file, value: null };
  return { source: file, value: readFileSync(file, "utf8") };
}
