// Production mode (config `env` / KREDITKU_ENV=production): `serve` refuses to start with a setting that is only
// fit for development, naming each problem in one line (exit 1, like an invalid setting). Two sources of problems:
//   - the platform's own, below: PRODUCTION_CHECKS, run before the depot is opened (so nothing is generated first);
//   - each extension's `preflight` (src/runtime/types.ts), run by the runtime before any extension starts, which
//     reads `ctx.config.env` (the payments extension refuses the sandbox and simulator gateways there).
// To add a platform refusal (an auth adapter, a storage setting, …): write a ProductionCheck in the module that owns
// the setting — (config, env) → one string per problem, each naming what to set — and add it to PRODUCTION_CHECKS.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, depotPaths, type Config } from "./config.ts";
import { smsProductionProblems } from "./auth/sms/port.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** One platform refusal: the problems of this configuration in production (empty when it is fine). */
export type ProductionCheck = (config: Config, env: Env) => string[];

/** The test clock lets anyone holding an admin token move the server's time. */
export const testClockCheck: ProductionCheck = (_config, env) =>
  env.KREDITKU_TEST_CLOCK === "1" ? ["KREDITKU_TEST_CLOCK=1 (the test clock) is set: unset it"] : [];

/**
 * Secrets the platform would otherwise generate on first use. In production none is generated: a generated secret
 * lives only in this depot, so a restore into a new depot (or a second replica) silently breaks tokens, codes and
 * links. Each must be supplied by the operator (a mounted k8s Secret, or restored with the depot).
 */
export const generatedSecretsCheck: ProductionCheck = (config) => {
  const dir = depotPaths(config.depot).secrets;
  const out: string[] = [];
  const jwt = join(dir, "jwt");
  const hasJwt = existsSync(jwt) && readdirSync(jwt).some((n) => n.endsWith(".json"));
  if (!hasJwt) out.push(`no JWT signing key in ${jwt}: create one with \`kreditku migrate\` then \`kreditku keys rotate\` (or mount your key files there)`);
  const files: [string, string][] = [
    ["otp-hmac.key", "32 random bytes, base64url: `openssl rand 32 | basenc --base64url`"],
    ["queues-cookie.key", "32 random bytes, base64url: `openssl rand 32 | basenc --base64url`"],
  ];
  if (!config.s3) files.push(["files-url.key", "64 hex digits: `openssl rand -hex 32`"]);
  for (const [name, how] of files) {
    if (!existsSync(join(dir, name))) out.push(`${join(dir, name)} is missing and would be generated: supply it (${how})`);
  }
  return out;
};

/** The platform's production refusals, in the order they are reported. */
export const PRODUCTION_CHECKS: ProductionCheck[] = [testClockCheck, generatedSecretsCheck, smsProductionProblems];

/** Every platform problem of this configuration (none outside production). */
export function productionProblems(config: Config, env: Env, checks: ProductionCheck[] = PRODUCTION_CHECKS): string[] {
  if (config.env !== "production") return [];
  return checks.flatMap((check) => check(config, env));
}

/** The one error `serve` stops with: each problem on its own line (the runtime's preflight reports the same way). */
export function refusal(problems: string[]): ConfigError {
  if (problems.length === 1) return new ConfigError(`refusing to start: ${problems[0]}`);
  return new ConfigError(`refusing to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}
