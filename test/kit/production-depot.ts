// A depot as an operator prepares it for production mode: migrated, a signing key made by `keys rotate`, and the
// symmetric keys supplied (production refuses to generate any secret). Extra secret files (e.g. the Xendit key)
// are written beside them, 0600 in the 0700 secrets folder.
import { expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { runCli } from "./binary.ts";

export async function productionDepot(depot: string, extra: Record<string, string> = {}) {
  expect((await runCli(["migrate", "--depot", depot], { KREDITKU_ENV: "development" })).code).toBe(0);
  expect((await runCli(["keys", "rotate", "--depot", depot], { KREDITKU_ENV: "development" })).code).toBe(0);
  const secrets = join(depot, "secrets");
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const files: Record<string, string> = {
    "otp-hmac.key": randomBytes(32).toString("base64url"),
    "queues-cookie.key": randomBytes(32).toString("base64url"),
    "files-url.key": randomBytes(32).toString("hex"),
    ...extra,
  };
  for (const [name, value] of Object.entries(files)) writeFileSync(join(secrets, name), `${value}\n`, { mode: 0o600 });
}
