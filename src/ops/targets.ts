// Where backups live: a folder (file:///path or a plain path; default depot/backups) or S3 (s3://bucket/prefix).
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, copyFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client, type ServerSideEncryption } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Config } from "../config.ts";
import { s3ClientFor, isNotFound } from "../storage/s3.ts";

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

export class S3Target implements BackupTarget {
  readonly kind = "s3" as const;
  readonly url: string;
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    readonly sse?: string,
  ) {
    this.prefix = prefix.replace(/^\/+|\/+$/g, "");
    this.url = `s3://${bucket}${this.prefix ? "/" + this.prefix : ""}`;
  }
  private key(name: string) {
    return this.prefix ? `${this.prefix}/${name}` : name;
  }
  async list() {
    const names: string[] = [];
    const base = this.prefix ? this.prefix + "/" : "";
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, Delimiter: "/", ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key) names.push(o.Key.slice(base.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return names.filter(Boolean);
  }
  async putFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void) {
    const total = (await stat(localPath)).size;
    const up = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(name), Body: createReadStream(localPath), ContentType: "application/gzip", ServerSideEncryption: this.sse as ServerSideEncryption | undefined },
      partSize: 16 * 1024 * 1024,
      queueSize: 2,
    });
    if (onProgress) up.on("httpUploadProgress", (p) => onProgress(p.loaded ?? 0, total));
    await up.done();
  }
  async putText(name: string, text: string) {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: text, ContentType: "application/json", ServerSideEncryption: this.sse as ServerSideEncryption | undefined }),
    );
  }
  async getFile(name: string, localPath: string, onProgress?: (done: number, total: number) => void) {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      const total = out.ContentLength ?? 0;
      let done = 0;
      const body = out.Body as Readable;
      if (onProgress) body.on("data", (c: Buffer) => onProgress((done += c.length), total));
      await pipeline(body, createWriteStream(localPath, { mode: 0o600 }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
  async getText(name: string) {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return (await out.Body?.transformToString()) ?? "";
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }
  async delete(name: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }
}

/**
 * Parse a location: `s3://bucket/prefix`, `file:///abs/path`, or a plain path. S3 connection settings come from
 * the S3_* configuration (endpoint, region, credentials, path style, SSE) with the bucket from the URL; without
 * them the AWS SDK's default credential chain is used.
 */
export function parseTarget(location: string, config: Config): BackupTarget {
  if (location.startsWith("s3://")) {
    const rest = location.slice(5);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? "" : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new TargetError(`"${location}" does not name a valid S3 bucket`);
    const s3 = config.s3 ?? { region: process.env.AWS_REGION ?? "us-east-1", forcePathStyle: false };
    return new S3Target(s3ClientFor({ ...s3, bucket }), bucket, prefix, config.s3?.sse);
  }
  if (location.startsWith("file://")) return new FolderTarget(fileURLToPath(location));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new TargetError(`unsupported backup location "${location}" (use file:///path or s3://bucket/prefix)`);
  return new FolderTarget(location);
}
