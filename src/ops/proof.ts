// The restore proof of a backup's secrets: at backup time an access token is signed with the depot's current JWT
// key and a Standard Webhooks signature is made with every webhook secret (depot/secrets/webhook-*); both travel
// sealed with the secrets. A restore (and `backup verify`) checks them against the restored secrets: the token must
// verify with the restored keys and every signature must verify with the restored webhook secret, as they did
// before the backup — otherwise the backup is refused.
import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { keysDir, SigningKeys } from "../auth/signing-keys.ts";
import { signAccessToken, verifyAccessToken } from "../auth/tokens.ts";

export const PROOF_FILE = ".backup-proof.json";

export interface Proof {
  at: string;
  token: string | null;
  webhooks: Record<string, { id: string; timestamp: number; body: string; signature: string }>;
}

function standardSignature(secret: string, id: string, timestamp: number, body: string): string | null {
  const s = secret.trim();
  if (!s.startsWith("whsec_")) return null;
  const key = Buffer.from(s.slice("whsec_".length), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
}

const settings = (config: Config) => ({ issuer: config.auth.issuer, audience: config.auth.audience, accessTtlSeconds: config.auth.accessTtlSeconds });

/** Sign the proof with the secrets of the depot rooted at `root` (root/secrets). */
export async function makeProof(config: Config, root: string, at: Date): Promise<Proof> {
  const proof: Proof = { at: at.toISOString(), token: null, webhooks: {} };
  const jwt = keysDir(root);
  if (existsSync(jwt) && readdirSync(jwt).length > 0) {
    const keys = new SigningKeys(root, config.auth.accessTtlSeconds, () => at).load();
    proof.token = await signAccessToken(keys, settings(config), { id: "backup-proof", role: "borrower", sessionId: "backup-proof" }, at);
  }
  const dir = join(root, "secrets");
  for (const name of existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith("webhook-")) : []) {
    const id = `msg_backup_proof_${name}`;
    const timestamp = Math.floor(at.getTime() / 1000);
    const body = JSON.stringify({ type: "backup.proof", at: proof.at });
    const signature = standardSignature(readFileSync(join(dir, name), "utf8"), id, timestamp, body);
    if (signature) proof.webhooks[name] = { id, timestamp, body, signature };
  }
  return proof;
}

/** Check the proof against the restored secrets under `root` (root/secrets); returns what was proven or throws. */
export async function checkProof(config: Config, root: string, proof: Proof): Promise<string> {
  const at = new Date(proof.at);
  if (proof.token) {
    const keys = new SigningKeys(root, config.auth.accessTtlSeconds, () => at).load();
    const r = await verifyAccessToken(keys, settings(config), proof.token, at);
    if (!r.ok) throw new Error(`an access token signed before the backup does not verify with the restored keys (${r.reason})`);
  }
  for (const [name, w] of Object.entries(proof.webhooks)) {
    const file = join(root, "secrets", name);
    const again = existsSync(file) ? standardSignature(readFileSync(file, "utf8"), w.id, w.timestamp, w.body) : null;
    if (!again || again.length !== w.signature.length || !timingSafeEqual(Buffer.from(again), Buffer.from(w.signature))) {
      throw new Error(`a webhook signed with ${name} before the backup does not verify with the restored secret`);
    }
  }
  const n = Object.keys(proof.webhooks).length;
  return `${proof.token ? "a pre-backup access token and " : ""}${n} pre-backup webhook signature${n === 1 ? "" : "s"} verified`;
}
