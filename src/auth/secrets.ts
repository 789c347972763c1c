// Files in depot/secrets: created on first use, 0600 files in a 0700 folder, written atomically.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { depotPaths } from "../config.ts";

export function ensureSecretDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    /* not ours to fix */
  }
}

/** Write a secret file atomically (temp file + rename) with mode 0600. */
export function writeSecretFile(path: string, data: string | Uint8Array) {
  ensureSecretDir(dirname(path));
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** A random symmetric key kept in depot/secrets/<name> (base64url), generated on first use. */
export function symmetricKey(depot: string, name: string, bytes = 32): Buffer {
  const path = join(depotPaths(depot).secrets, name);
  if (!existsSync(path)) {
    try {
      writeSecretFile(path, randomBytes(bytes).toString("base64url") + "\n");
    } catch (e) {
      if (!existsSync(path)) throw e;
    }
  }
  const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64url");
  if (key.length < 16) throw new Error(`secret ${path} is too short`);
  return key;
}
