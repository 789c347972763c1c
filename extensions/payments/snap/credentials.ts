// The SNAP credentials agreed with the bank, from the environment or the depot's secrets folder (env wins):
//   KREDITKU_SNAP_CLIENT_KEY      depot/secrets/snap-client-key      the client key (X-CLIENT-KEY) the bank was given
//   KREDITKU_SNAP_CLIENT_SECRET   depot/secrets/snap-client-secret   the shared secret of transactional signatures
//                                                                     (two, comma- or newline-separated, during rotation)
//   KREDITKU_SNAP_PARTNER_ID      depot/secrets/snap-partner-id      the X-PARTNER-ID the bank calls with
//   KREDITKU_SNAP_BANK_PUBLIC_KEY depot/secrets/snap-bank-public-key.pem  the bank's RSA public key (PEM)
// None set: the flow is off (its routes answer 401), and SNAP-issued VAs (KREDITKU_VA_ISSUER=snap) refuse to start. Some set, a weak secret or a key that is not RSA: the server
// refuses to start (snapPreflight), naming the problem without the value. Re-read at most every 30 s, so a rotated
// secret or key is picked up without a restart.
import type { KeyObject } from "node:crypto";
import { readSecret, type ExtensionContext } from "../deps.ts";
import { MIN_SHARED_SECRET_CHARS } from "../verify.ts";
import { parsePublicKey } from "./protocol.ts";
import { paymentSettings } from "../settings.ts";

type Env = Readonly<Record<string, string | undefined>>;
type Base = Pick<ExtensionContext, "config">;

const SPECS = {
  clientKey: { env: "KREDITKU_SNAP_CLIENT_KEY", file: "snap-client-key" },
  clientSecret: { env: "KREDITKU_SNAP_CLIENT_SECRET", file: "snap-client-secret" },
  partnerId: { env: "KREDITKU_SNAP_PARTNER_ID", file: "snap-partner-id" },
  bankPublicKey: { env: "KREDITKU_SNAP_BANK_PUBLIC_KEY", file: "snap-bank-public-key.pem" },
} as const;

export interface SnapCredentials {
  clientKey: string;
  /** Newest first; two during rotation. */
  clientSecrets: string[];
  partnerId: string;
  bankPublicKey: KeyObject;
}

type Read = { values: Partial<Record<keyof typeof SPECS, string>>; sources: Record<keyof typeof SPECS, string> };

function read(base: Base, env?: Env): Read {
  const values: Read["values"] = {};
  const sources = {} as Read["sources"];
  for (const [k, spec] of Object.entries(SPECS) as [keyof typeof SPECS, (typeof SPECS)[keyof typeof SPECS]][]) {
    const { source, value } = readSecret(base, spec, env);
    sources[k] = source;
    const v = value?.trim();
    if (v) values[k] = v;
  }
  return { values, sources };
}

const secretsOf = (v: string | undefined) => (v ?? "").split(/[,\n]/).map((s) => s.trim()).filter(Boolean).slice(0, 2);

/** What is wrong with the SNAP configuration, one line each (none when it is complete or wholly absent). */
export function snapCredentialProblems(base: Base, env?: Env): string[] {
  const { values, sources } = read(base, env);
  const set = Object.keys(values) as (keyof typeof SPECS)[];
  if (set.length === 0) return [];
  const out: string[] = [];
  for (const k of Object.keys(SPECS) as (keyof typeof SPECS)[]) if (!values[k]) out.push(`SNAP BI is partly configured: ${SPECS[k].env} (or ${sources[k]}) is missing`);
  secretsOf(values.clientSecret).forEach((s, i) => {
    if (s.length < MIN_SHARED_SECRET_CHARS) out.push(`${sources.clientSecret}: SNAP client secret${i ? " #2" : ""} must be at least ${MIN_SHARED_SECRET_CHARS} characters`);
  });
  if (values.bankPublicKey && !parsePublicKey(values.bankPublicKey)) out.push(`${sources.bankPublicKey}: the SNAP bank public key is not an RSA public key in PEM`);
  return out;
}

/** The usable credentials, or null when SNAP is not (completely and validly) configured. */
export function snapCredentials(base: Base, env?: Env): SnapCredentials | null {
  if (snapCredentialProblems(base, env).length > 0) return null;
  const { values } = read(base, env);
  const key = values.bankPublicKey ? parsePublicKey(values.bankPublicKey) : null;
  const clientSecrets = secretsOf(values.clientSecret);
  if (!values.clientKey || !values.partnerId || !key || clientSecrets.length === 0) return null;
  return { clientKey: values.clientKey, clientSecrets, partnerId: values.partnerId, bankPublicKey: key };
}

const cache = new WeakMap<object, { at: number; creds: SnapCredentials | null }>();
/** snapCredentials, re-read at most every 30 s. */
export function currentSnapCredentials(ctx: ExtensionContext): SnapCredentials | null {
  const hit = cache.get(ctx.config);
  if (hit && Date.now() - hit.at < 30_000) return hit.creds;
  const creds = snapCredentials(ctx);
  cache.set(ctx.config, { at: Date.now(), creds });
  return creds;
}

/**
 * Start-up refusal of a partial or weak SNAP configuration, and of SNAP-issued VAs (KREDITKU_VA_ISSUER=snap) with no
 * SNAP configuration at all: the bank could not ask what they owe nor report their payments.
 */
export function snapPreflight(ctx: ExtensionContext): string[] {
  const problems = snapCredentialProblems(ctx);
  const { values } = read(ctx);
  if (ctx.settings(paymentSettings).vaIssuer === "snap" && Object.keys(values).length === 0) {
    problems.push(`KREDITKU_VA_ISSUER=snap but SNAP BI is not configured: set ${Object.values(SPECS).map((s) => s.env).join(", ")} (or depot/secrets/snap-*)`);
  }
  return problems;
}
