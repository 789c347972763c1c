// Where backups live: a folder (file:///path or a plain path; default depot/backups) or S3 (s3://bucket/prefix).
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, copyFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { S3Client, ServerSideEncryption } from "@aws-sdk/client-s3";
import type { Config } from "../config.ts";
import { isNotFound, s3Sdk } from "../storage/s3.ts";

// The AWS SDK is required by an S3 target when it is made or used, never by a backup to a folder (or by serve).
type LibStorage = typeof import("@aws-sdk/lib-storage");
const newUpload = (o: ConstructorParameters<LibStorage["Upload"]>[0]) => new (require("@aws-sdk/lib-storage") as LibStorage).Upload(o);

export interface BackupTarget {
  /** Human-readable location, e.g. file:///srv/backups or s3://bucket/prefix. */
  readonly url: string;
  readonly kind: "file" | "s3";
  /** Names directly under the target (no folders). */
  list(): Promise<string[]>;
  putFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void): Promise<void>;
  putText(name: string, text: string): Promise<void>;
  /** Copy an object to a local file; false when it does not exist. */
  getFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void): Promise<boolean>;
  getText(name: string): Promise<string | null>;
  delete(name: string): Promise<void>;
}

export class TargetError extends Error {}

export class FolderTarget implements BackupTarget {
  readonly kind = "file" as const;
  readonly url: string;
  constructor(readonly dir: string) {
    this.dir = resolve(dir);
    this.url = `file://${this.dir}`;
  }
  async list() {
    try {
      return (await readdir(this.dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }
  private async atomic(name: string, write: (tmp: string) => Promise<void>) {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${name}.${process.pid}.partial`);
    try {
      await write(tmp);
      await rename(tmp, join(this.dir, name));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
  async putFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void) {
    const total = (await stat(localPath)).size;
    await this.atomic(name, async (tmp) => {
      if (!onProgress) return copyFile(localPath, tmp);
      let done = 0;
      const src = createReadStream(localPath);
      src.on("data", (c) => onProgress((done += c.length), total));
      await pipeline(src, createWriteStream(tmp, { mode: 0o600 }));
    });
  }
  async putText(name: string, text: string) {
    await this.atomic(name, (tmp) => writeFile(tmp, text, { mode: 0o600 }));
  }
  async getFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void) {
    const src = join(this.dir, name);
    let total: number;
    try {
      total = (await stat(src)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
    let done = 0;
    const rs = createReadStream(src);
    if (onProgress) rs.on("data", (c) => onProgress((done += c.length), total));
    await pipeline(rs, createWriteStream(localPath, { mode: 0o600 }));
    return true;
  }
  async getText(name: string) {
    try {
      return await readFile(join(this.dir, name), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  }
  async delete(name: string) {
    await rm(join(this.dir, name), { force: true });
  }
}

/** An S3 call that got no answer in time (after its retries). */
export class S3TimeoutError extends Error {}

/**
 * An inactivity deadline: `poke()` on every sign of progress; when none comes for `ms`, the signal aborts. The
 * SDK's own socket timeouts are not relied on (an endpoint that accepts and never answers must not hang a backup).
 */
function watchdog(ms: number, what: string) {
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(new S3TimeoutError(`S3 ${what}: no answer for ${ms} ms (timeout)`)), ms);
  };
  arm();
  return { signal: ctl.signal, controller: ctl, poke: arm, done: () => clearTimeout(timer) };
}

export class S3Target implements BackupTarget {
  readonly kind = "s3" as const;
  readonly url: string;
  readonly limits: S3Limits;
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    readonly sse?: string,
    limits?: S3Limits,
  ) {
    this.prefix = prefix.replace(/^\/+|\/+$/g, "");
    this.url = `s3://${bucket}${this.prefix ? "/" + this.prefix : ""}`;
    this.limits = limits ?? s3Limits();
  }
  private key(name: string) {
    return this.prefix ? `${this.prefix}/${name}` : name;
  }
  /** One call with a deadline per attempt and bounded retries with backoff; a timeout names the call. */
  private async call<T>(what: string, fn: (signal: AbortSignal, poke: () => void) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let attempt = 1; attempt <= this.limits.attempts; attempt++) {
      const w = watchdog(this.limits.idleMs, `${what} ${this.url}`);
      try {
        return await fn(w.signal, w.poke);
      } catch (e) {
        last = w.signal.aborted ? w.signal.reason : e;
        const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
        const retryable = w.signal.aborted || status === undefined || status >= 500 || status === 429;
        if (!retryable || attempt === this.limits.attempts) break;
        await Bun.sleep(Math.min(200 * 2 ** (attempt - 1), 5000));
      } finally {
        w.done();
      }
    }
    if (last instanceof S3TimeoutError) throw new S3TimeoutError(`${last.message}, ${this.limits.attempts} attempt(s)`);
    throw last;
  }
  async list() {
    const names: string[] = [];
    const base = this.prefix ? this.prefix + "/" : "";
    let token: string | undefined;
    do {
      const out = await this.call("list", (abortSignal) =>
        this.client.send(new (s3Sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: base, Delimiter: "/", ContinuationToken: token }), { abortSignal }),
      );
      for (const o of out.Contents ?? []) if (o.Key) names.push(o.Key.slice(base.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return names.filter(Boolean);
  }
  async putFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void) {
    const total = (await stat(localPath)).size;
    await this.call(`upload ${name}`, async (signal, poke) => {
      const up = newUpload({
        client: this.client,
        params: { Bucket: this.bucket, Key: this.key(name), Body: createReadStream(localPath), ContentType: "application/gzip", ServerSideEncryption: this.sse as ServerSideEncryption | undefined },
        partSize: 16 * 1024 * 1024,
        queueSize: 2,
      });
      up.on("httpUploadProgress", (p) => {
        poke();
        onProgress?.(p.loaded ?? 0, total);
      });
      signal.addEventListener("abort", () => void up.abort().catch(() => {}), { once: true });
      return await abortable(up.done(), signal);
    });
  }
  /** Upload a stream of unknown length (multipart): nothing is staged on local disk. One attempt (a stream is not replayable). */
  async putStream(name: string, body: Readable, contentType = "application/gzip") {
    const w = watchdog(this.limits.idleMs, `upload ${name} to ${this.url}`);
    const up = newUpload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(name), Body: body, ContentType: contentType, ServerSideEncryption: this.sse as ServerSideEncryption | undefined },
      partSize: 16 * 1024 * 1024,
      queueSize: 2,
    });
    up.on("httpUploadProgress", () => w.poke());
    w.signal.addEventListener("abort", () => void up.abort().catch(() => {}), { once: true });
    try {
      await abortable(up.done(), w.signal);
    } finally {
      w.done();
    }
  }
  async putText(name: string, text: string) {
    await this.call(`put ${name}`, (abortSignal) =>
      this.client.send(
        new (s3Sdk().PutObjectCommand)({ Bucket: this.bucket, Key: this.key(name), Body: text, ContentType: "application/json", ServerSideEncryption: this.sse as ServerSideEncryption | undefined }),
        { abortSignal },
      ),
    );
  }
  async getFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void) {
    try {
      return await this.call(`download ${name}`, async (abortSignal, poke) => {
        const out = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(name) }), { abortSignal });
        const total = out.ContentLength ?? 0;
        let done = 0;
        const body = out.Body as Readable;
        body.on("data", (c: Buffer) => {
          poke();
          onProgress?.((done += c.length), total);
        });
        abortSignal.addEventListener("abort", () => body.destroy(abortSignal.reason as Error), { once: true });
        await pipeline(body, createWriteStream(localPath, { mode: 0o600 }));
        return true;
      });
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
  async getText(name: string) {
    try {
      return await this.call(`get ${name}`, async (abortSignal) => {
        const out = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(name) }), { abortSignal });
        return (await abortable(out.Body?.transformToString() ?? Promise.resolve(""), abortSignal)) ?? "";
      });
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }
  async delete(name: string) {
    await this.call(`delete ${name}`, (abortSignal) => this.client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: this.key(name) }), { abortSignal }));
  }
}

/** A promise that rejects with the signal's reason when it aborts first. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Time limits of every S3 call a backup makes; a stalled endpoint fails the call, which is retried. */
export interface S3Limits {
  /** TCP connect (ms). */
  connectMs: number;
  /** No byte received or sent for this long fails the request (ms). */
  idleMs: number;
  /** Attempts per call (the SDK's retries with backoff). */
  attempts: number;
}

function envInt(env: Readonly<Record<string, string | undefined>>, name: string, def: number, min: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new TargetError(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export function s3Limits(env: Readonly<Record<string, string | undefined>> = process.env): S3Limits {
  return {
    connectMs: envInt(env, "KREDITKU_BACKUP_S3_CONNECT_TIMEOUT_MS", 5_000, 1),
    idleMs: envInt(env, "KREDITKU_BACKUP_S3_TIMEOUT_MS", 30_000, 1),
    attempts: envInt(env, "KREDITKU_BACKUP_S3_ATTEMPTS", 3, 1),
  };
}

/**
 * S3 connection settings of backup targets, independent of the document store: each KREDITKU_BACKUP_S3_<X> wins,
 * else the document store's setting (config.s3), else S3_<X> (connection settings without S3_BUCKET configure no
 * document store, only the default connection for backups and Litestream), else the AWS SDK's defaults.
 */
export function backupS3Settings(config: Config, env: Readonly<Record<string, string | undefined>> = process.env) {
  const pick = (x: string, fromConfig: string | boolean | undefined) => env[`KREDITKU_BACKUP_S3_${x}`] || (fromConfig === undefined ? undefined : String(fromConfig)) || env[`S3_${x}`] || undefined;
  const s3 = config.s3;
  const pathStyle = pick("FORCE_PATH_STYLE", s3?.forcePathStyle);
  return {
    endpoint: pick("ENDPOINT", s3?.endpoint),
    region: pick("REGION", s3?.region) ?? env.AWS_REGION ?? "us-east-1",
    accessKeyId: pick("ACCESS_KEY_ID", s3?.accessKeyId),
    secretAccessKey: pick("SECRET_ACCESS_KEY", s3?.secretAccessKey),
    forcePathStyle: pathStyle === undefined ? false : /^(1|true|yes|on)$/i.test(pathStyle),
    sse: pick("SSE", s3?.sse),
  };
}

/**
 * Parse a location: `s3://bucket/prefix`, `file:///abs/path`, or a plain path. S3 connection settings come from
 * backupS3Settings with the bucket from the URL; without any the AWS SDK's default credential chain is used.
 */
export function parseTarget(location: string, config: Config, env: Readonly<Record<string, string | undefined>> = process.env): BackupTarget {
  if (location.startsWith("s3://")) {
    const rest = location.slice(5);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? "" : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new TargetError(`"${location}" does not name a valid S3 bucket`);
    const s = backupS3Settings(config, env);
    const limits = s3Limits(env);
    if (s.endpoint && !/^https?:\/\//.test(s.endpoint)) throw new TargetError(`the backup S3 endpoint "${s.endpoint}" is not an http(s) URL`);
    const client = new (s3Sdk().S3Client)({
      endpoint: s.endpoint,
      region: s.region,
      forcePathStyle: s.forcePathStyle,
      credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : undefined,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 1, // retried by S3Target.call, which also bounds every attempt
      // Every call: a connect timeout and an inactivity timeout (an endpoint that accepts and never answers fails
      // the attempt instead of hanging the backup; the SDK retries it with backoff).
      requestHandler: { connectionTimeout: limits.connectMs, requestTimeout: limits.idleMs },
    });
    return new S3Target(client, bucket, prefix, s.sse, limits);
  }
  if (location.startsWith("file://")) return new FolderTarget(fileURLToPath(location));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new TargetError(`unsupported backup location "${location}" (use file:///path or s3://bucket/prefix)`);
  return new FolderTarget(location);
}
