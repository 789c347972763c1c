// The s3 BlobStore (S3 or MinIO through @aws-sdk/client-s3). Keys are used as given (after validation);
// every upload carries the server-side-encryption header from config.s3.sse and is stored as an attachment (a plain
// GET of the object downloads it; presigned URLs add the file name and the detected content type). Every call is
// bounded (connect 2 s, socket inactivity 3 s, one retry, the whole call S3_CALL_TIMEOUT_MS): an S3 that refuses
// connections, never answers or answers 5xx is DependencyUnavailable("s3") — 503 problem+json with Retry-After.
import type { S3Client, ServerSideEncryption } from "@aws-sdk/client-s3";
import type { BlobStore } from "../runtime/types.ts";
import { callDependency, DependencyUnavailable } from "../runtime/dependency.ts";
import type { Config } from "../config.ts";
import { assertValidKey } from "./keys.ts";
import { clampTtl } from "./fs.ts";
import { contentDisposition } from "./filename.ts";

export { contentDisposition } from "./filename.ts";

export type S3Settings = NonNullable<Config["s3"]>;

type ClientS3 = typeof import("@aws-sdk/client-s3");
let clientS3: ClientS3 | undefined;
/**
 * @aws-sdk/client-s3, required on first use: the SDK is large and only a depot whose documents or backups are on S3
 * needs it (a serve on the file store never evaluates it). require() keeps the constructors synchronous.
 */
export const s3Sdk = (): ClientS3 => (clientS3 ??= require("@aws-sdk/client-s3") as ClientS3);
const getSignedUrl: typeof import("@aws-sdk/s3-request-presigner").getSignedUrl = (...args) =>
  (require("@aws-sdk/s3-request-presigner") as typeof import("@aws-sdk/s3-request-presigner")).getSignedUrl(...args);

/** Deadline of one S3 call (retries included). */
export const S3_CALL_TIMEOUT_MS = 5000;

export function s3ClientFor(s3: Omit<S3Settings, "bucket"> & { bucket?: string }): S3Client {
  return new (s3Sdk().S3Client)({
    endpoint: s3.endpoint,
    region: s3.region ?? "us-east-1",
    forcePathStyle: s3.forcePathStyle ?? true,
    credentials: s3.accessKeyId && s3.secretAccessKey ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : undefined,
    // Only send/verify checksums when the operation needs them: MinIO/s3rver-compatible and cheaper.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // bounded: a connect that hangs or a socket silent this long fails the attempt; one retry
    requestHandler: { connectionTimeout: 2000, requestTimeout: 3000, throwOnRequestTimeout: true },
    maxAttempts: 2,
  });
}

export function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } } | null | undefined;
  return err?.name === "NoSuchKey" || err?.name === "NotFound" || err?.$metadata?.httpStatusCode === 404;
}

export class S3BlobStore implements BlobStore {
  readonly kind = "s3" as const;
  readonly client: S3Client;
  readonly bucket: string;
  private readonly sse?: string;
  private readonly timeoutMs: number;

  constructor(settings: S3Settings, client?: S3Client, opts: { timeoutMs?: number } = {}) {
    this.client = client ?? s3ClientFor(settings);
    this.bucket = settings.bucket;
    this.sse = settings.sse || undefined;
    this.timeoutMs = opts.timeoutMs ?? S3_CALL_TIMEOUT_MS;
  }

  /** One bounded S3 call: timeouts, refused connections and S3's own 5xx are DependencyUnavailable("s3"). */
  private async send<T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await callDependency("s3", call, { timeoutMs: this.timeoutMs });
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      if (!(e instanceof DependencyUnavailable) && status !== undefined && status >= 500) {
        throw new DependencyUnavailable("s3", `${what} answered ${status}`, 5, { cause: e });
      }
      throw e;
    }
  }

  async put(key: string, data: Uint8Array, opts: { contentType?: string } = {}): Promise<void> {
    assertValidKey(key);
    const cmd = new (s3Sdk().PutObjectCommand)({
      Bucket: this.bucket,
      Key: key,
      Body: data,
      ContentLength: data.byteLength,
      ContentType: opts.contentType ?? "application/octet-stream",
      ContentDisposition: "attachment",
      ServerSideEncryption: this.sse as ServerSideEncryption | undefined,
    });
    await this.send("PutObject", (abortSignal) => this.client.send(cmd, { abortSignal }));
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertValidKey(key);
    try {
      return await this.send("GetObject", async (abortSignal) => {
        const out = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: this.bucket, Key: key }), { abortSignal });
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      });
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.send("DeleteObject", (abortSignal) => this.client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: key }), { abortSignal }));
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    try {
      await this.send("HeadObject", (abortSignal) => this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: this.bucket, Key: key }), { abortSignal }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async signedUrl(key: string, opts: { expiresInSeconds?: number; contentType?: string; filename?: string } = {}): Promise<string> {
    assertValidKey(key);
    const cmd = new (s3Sdk().GetObjectCommand)({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
      ResponseContentDisposition: opts.filename ? contentDisposition(opts.filename) : "attachment",
    });
    return getSignedUrl(this.client, cmd, { expiresIn: clampTtl(opts.expiresInSeconds) });
  }

  async ping(): Promise<boolean> {
    try {
      await this.send("HeadBucket", (abortSignal) => this.client.send(new (s3Sdk().HeadBucketCommand)({ Bucket: this.bucket }), { abortSignal }));
      return true;
    } catch {
      return false;
    }
  }
}
