// Ed25519 signing keys for access tokens, one JSON file per key in depot/secrets/jwt/ (0600).
// The newest key signs; older keys keep verifying until every token they signed has expired
// (successor's creation + access TTL + skew). A running server re-reads the folder when it changes (checked at
// most once a second), every minute, and on an unknown kid, so `kreditku keys rotate` needs no restart.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { depotPaths } from "../config.ts";
import { ensureSecretDir, writeSecretFile } from "./secrets.ts";

export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

interface KeyFile {
  kid: string;
  createdAt: string;
  privateJwk: { kty: string; crv: string; x: string; d: string };
}

interface LoadedKey {
  kid: string;
  createdAt: number;
  /** When this key stopped verifying (undefined while it, or its tokens, may still be in use). */
  validUntil?: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

/** Tolerance added to the access TTL before a retired key stops verifying. */
export const KEY_GRACE_MS = 60_000;
const RELOAD_EVERY_MS = 60_000;
const UNKNOWN_KID_RELOAD_MS = 1_000;

export function keysDir(depot: string) {
  return join(depotPaths(depot).secrets, "jwt");
}

function newKeyFile(now: Date): KeyFile {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as KeyFile["privateJwk"];
  return { kid: Bun.randomUUIDv7("base64url", now), createdAt: now.toISOString(), privateJwk: jwk };
}

/** Write a new signing key; it signs from now on (the server picks it up within a minute). */
export function rotateSigningKey(depot: string, accessTtlSeconds: number, now = new Date()): { kid: string; pruned: string[] } {
  const dir = keysDir(depot);
  ensureSecretDir(dir);
  const file = newKeyFile(now);
  writeSecretFile(join(dir, `${file.kid}.json`), JSON.stringify(file, null, 2) + "\n");
  const pruned = pruneExpiredKeys(depot, accessTtlSeconds, now);
  return { kid: file.kid, pruned };
}

function readKeyFiles(dir: string): KeyFile[] {
  if (!existsSync(dir)) return [];
  const out: KeyFile[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) continue;
    try {
      const f = JSON.parse(readFileSync(join(dir, name), "utf8")) as KeyFile;
      if (f.kid && f.createdAt && f.privateJwk?.d) out.push(f);
    } catch {
      /* a half-written or foreign file: ignore */
    }
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.kid.localeCompare(b.kid));
}

function withValidity(files: KeyFile[], accessTtlSeconds: number) {
  return files.map((f, i) => {
    const successor = files[i + 1];
    const validUntil = successor ? Date.parse(successor.createdAt) + accessTtlSeconds * 1000 + KEY_GRACE_MS : undefined;
    return { f, validUntil };
  });
}

/** Delete key files that can no longer verify any unexpired token. */
export function pruneExpiredKeys(depot: string, accessTtlSeconds: number, now = new Date()): string[] {
  const dir = keysDir(depot);
  const pruned: string[] = [];
  for (const { f, validUntil } of withValidity(readKeyFiles(dir), accessTtlSeconds)) {
    if (validUntil !== undefined && validUntil <= now.getTime()) {
      rmSync(join(dir, `${f.kid}.json`), { force: true });
      pruned.push(f.kid);
    }
  }
  return pruned;
}

export class SigningKeys {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private lastUnknownReload = 0;
  private lastStat = 0;
  private dirMtime = "";

  constructor(
    readonly depot: string,
    private accessTtlSeconds: number,
    private now: () => Date = () => new Date(),
  ) {}

  /** Load the keys, generating the first one when the folder is empty. */
  load(): this {
    const dir = keysDir(this.depot);
    let files = readKeyFiles(dir);
    if (files.length === 0) {
      rotateSigningKey(this.depot, this.accessTtlSeconds, this.now());
      files = readKeyFiles(dir);
    }
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = withValidity(files, this.accessTtlSeconds).map(({ f, validUntil }) => {
      const prev = known.get(f.kid);
      if (prev) return { ...prev, validUntil };
      const privateKey = createPrivateKey({ key: f.privateJwk as any, format: "jwk" });
      const publicKey = createPublicKey(privateKey);
      const x = (publicKey.export({ format: "jwk" }) as { x: string }).x;
      return {
        kid: f.kid,
        createdAt: Date.parse(f.createdAt),
        validUntil,
        privateKey,
        publicKey,
        jwk: { kty: "OKP", crv: "Ed25519", x, kid: f.kid, alg: "EdDSA", use: "sig" },
      };
    });
    this.loadedAt = Date.now();
    this.dirMtime = this.mtime();
    return this;
  }

  /** What identifies the folder's content: its mtime and its file names (mtime alone misses changes within one clock tick). */
  private mtime() {
    try {
      const dir = keysDir(this.depot);
      return `${statSync(dir).mtimeMs}:${readdirSync(dir).sort().join(",")}`;
    } catch {
      return "";
    }
  }

  /** Reload every minute, and at once (checked at most once a second) when the key folder changed. */
  private fresh() {
    const t = Date.now();
    if (this.keys.length === 0 || t - this.loadedAt >= RELOAD_EVERY_MS) return void this.load();
    if (t - this.lastStat >= 1000) {
      this.lastStat = t;
      if (this.mtime() !== this.dirMtime) this.load();
    }
  }

  /** The key that signs new tokens: the newest one. */
  signer(): { kid: string; key: KeyObject } {
    this.fresh();
    const k = this.keys[this.keys.length - 1];
    return { kid: k.kid, key: k.privateKey };
  }

  /** The public key for a kid, or null when unknown or retired. Re-reads the folder on an unknown kid. */
  verifier(kid: string | undefined): KeyObject | null {
    if (!kid) return null;
    this.fresh();
    let k = this.keys.find((x) => x.kid === kid);
    if (!k && Date.now() - this.lastUnknownReload >= UNKNOWN_KID_RELOAD_MS) {
      this.lastUnknownReload = Date.now();
      this.load();
      k = this.keys.find((x) => x.kid === kid);
    }
    if (!k || (k.validUntil !== undefined && k.validUntil <= this.now().getTime())) return null;
    return k.publicKey;
  }

  /** The JWKS document: every key that may still verify a token. */
  jwks(): { keys: PublicJwk[] } {
    this.fresh();
    const t = this.now().getTime();
    return { keys: this.keys.filter((k) => k.validUntil === undefined || k.validUntil > t).map((k) => k.jwk).reverse() };
  }
}
