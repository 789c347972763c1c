// Blob keys and the HMAC key for signed local URLs.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Thrown for a key that is not a safe relative path (traversal, absolute, empty or odd characters). */
export class BlobKeyError extends Error {}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._@=+-]{0,199}$/;

/**
 * A blob key is a relative, slash-separated path such as `documents/{userId}/{documentId}`: 1–16 segments,
 * each starting with a letter, digit or underscore (so `.`/`..` and hidden names are impossible), at most
 * 1024 characters in total. Anything else is refused before it reaches a file system or a bucket.
 */
export function assertValidKey(key: string): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 1024) throw new BlobKeyError("blob key must be 1-1024 characters");
  const parts = key.split("/");
  if (parts.length > 16) throw new BlobKeyError("blob key has too many segments");
  for (const p of parts) {
    if (!SEGMENT.test(p)) throw new BlobKeyError(`blob key segment ${JSON.stringify(p)} is not allowed`);
  }
  return key;
}

/** The HMAC key that signs local download URLs: 32 random bytes in depot/secrets/files-url.key (0600). */
export function loadOrCreateUrlKey(secretsDir: string): Uint8Array {
  const file = join(secretsDir, "files-url.key");
  if (existsSync(file)) {
    const hex = readFileSync(file, "utf8").trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, "hex");
    throw new Error(`${file} is not a 64-hex-digit key`);
  }
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, key.toString("hex") + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  // Another process may have won the race: use whatever is on disk now.
  return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
}
