// The fs BlobStore: documents under depot/uploads/<key>, written atomically (temp file + rename), 0600.
import { mkdir, readFile, rename, rm, stat, writeFile, access } from "node:fs/promises";
import { constants } from "node:fs";
import { privateDir } from "../private-files.ts";
import { dirname, resolve, sep } from "node:path";
import type { BlobStore } from "../runtime/types.ts";
import type { Clock } from "../clock.ts";
import { assertValidKey, BlobKeyError } from "./keys.ts";
import { signPath, verifySigned, type VerifyResult } from "./signing.ts";

export const DEFAULT_URL_TTL_SECONDS = 300;
export const MAX_URL_TTL_SECONDS = 7 * 24 * 3600;

export function clampTtl(s: number | undefined): number {
  const v = Math.floor(s ?? DEFAULT_URL_TTL_SECONDS);
  if (!Number.isFinite(v) || v < 1) return 1;
  return Math.min(v, MAX_URL_TTL_SECONDS);
}

export interface FsBlobStoreOptions {
  root: string;
  urlKey: Uint8Array;
  /** Base of signed URLs (config.publicUrl); without it signed URLs are root-relative (`/files/...`). */
  publicUrl?: string;
  clock?: Clock;
}

export class FsBlobStore implements BlobStore {
  readonly kind = "fs" as const;
  readonly root: string;
  private readonly urlKey: Uint8Array;
  private readonly publicUrl: string;
  private readonly clock: Clock;

  constructor(opts: FsBlobStoreOptions) {
    this.root = resolve(opts.root);
    this.urlKey = opts.urlKey;
    this.publicUrl = (opts.publicUrl ?? "").replace(/\/+$/, "");
    this.clock = opts.clock ?? { now: () => new Date() };
    // Documents (KTP, selfies, payslips): the root folder is 0700, so nothing below it is reachable by other users.
    privateDir(this.root);
  }

  /** The file of a key; refuses anything that would leave the root (belt and braces over assertValidKey). */
  pathOf(key: string): string {
    assertValidKey(key);
    const p = resolve(this.root, key);
    if (!p.startsWith(this.root + sep)) throw new BlobKeyError("blob key escapes the store");
    return p;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    try {
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return false;
      throw e;
    }
  }

  async signedUrl(key: string, opts: { expiresInSeconds?: number; contentType?: string; filename?: string } = {}): Promise<string> {
    assertValidKey(key);
    const exp = Math.floor(this.clock.now().getTime() / 1000) + clampTtl(opts.expiresInSeconds);
    return this.publicUrl + signPath(this.urlKey, { key, exp, contentType: opts.contentType, filename: opts.filename });
  }

  /** Check a signed local URL's query for `key` (used by the /files route). */
  verify(key: string, query: URLSearchParams): VerifyResult {
    return verifySigned(this.urlKey, key, query, Math.floor(this.clock.now().getTime() / 1000));
  }

  async ping(): Promise<boolean> {
    try {
      await mkdir(this.root, { recursive: true, mode: 0o700 });
      await access(this.root, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
}

