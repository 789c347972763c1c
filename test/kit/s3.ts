// A real S3 server for tests: s3rver on a free 127.0.0.1 port with a temporary directory. It records the
// server-side-encryption header of every PUT and echoes it like S3 does, so tests can check the SSE contract.
import S3rver from "s3rver";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { createHash, createHmac } from "node:crypto";

/** The Checksum constructor SignatureV4 wants: SHA-256, or HMAC-SHA256 when given a secret. */
class Sha256 {
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: any) {
    this.h = secret ? createHmac("sha256", secret instanceof ArrayBuffer ? new Uint8Array(secret) : secret) : createHash("sha256");
  }
  update(data: any) {
    this.h.update(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestS3 {
  endpoint: string;
  port: number;
  /** x-amz-server-side-encryption header of each PUT, by "bucket/key". */
  sse: Map<string, string | undefined>;
  env: Record<string, string>;
  close(): Promise<void>;
}

export const S3_TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export async function startS3(buckets: string[]): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), "kreditku-s3rver-"));
  const srv: any = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) } as any);
  const sse = new Map<string, string | undefined>();
  // s3rver checks the expiry of presigned (query SigV4) URLs but not their signature: check it here, like S3.
  const signer = new S3RequestPresigner({ credentials: S3_TEST_CREDENTIALS, region: "us-east-1", sha256: Sha256 });
  srv.middleware.unshift(async (ctx: any, next: () => Promise<void>) => {
    const q = new URLSearchParams(ctx.querystring);
    const given = q.get("X-Amz-Signature");
    if (given) {
      const date = q.get("X-Amz-Date")!;
      const query: Record<string, string> = {};
      for (const [k, v] of q) if (!k.startsWith("X-Amz-")) query[k] = v;
      const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
      const req = { method: ctx.method, protocol: "http:", hostname: ctx.hostname, port: Number(ctx.host.split(":")[1]), path: ctx.path, query, headers: { host: ctx.host } };
      const signed: any = await signer.presign(req as any, { signingDate, expiresIn: Number(q.get("X-Amz-Expires")) });
      if (signed.query["X-Amz-Signature"] !== given) {
        ctx.status = 403;
        ctx.type = "application/xml";
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code></Error>';
        return;
      }
    }
    const h = ctx.get("x-amz-server-side-encryption") || undefined;
    const path = decodeURIComponent(ctx.path.replace(/^\//, ""));
    // A single PUT, or the CreateMultipartUpload (POST ?uploads) of a multipart upload, carries the SSE header.
    if ((ctx.method === "PUT" && !q.has("uploadId") && !q.has("partNumber")) || (ctx.method === "POST" && q.has("uploads"))) sse.set(path, h);
    await next();
    const stored = sse.get(path);
    if ((ctx.method === "GET" || ctx.method === "HEAD") && stored && ctx.status < 300) ctx.set("x-amz-server-side-encryption", stored);
  });
  // ListObjects as S3 answers it. s3rver 3.7's filesystem store walks the bucket in directory order (readdir, not
  // sorted) and does not descend below a delimiter, so nested keys never show up as CommonPrefixes. S3 lists keys in
  // UTF-8 binary order, and Litestream 0.3.13's restore relies on it: it takes a WAL index's segments in listing order,
  // so a directory order that put <index>_<offset>.wal.lz4 before <index>_00000000.wal.lz4 failed every restore with
  // "missing initial wal segment" (or "wal segments out of order"). List every key under the prefix, sort, then apply
  // marker, delimiter (prefixes folded) and max-keys (objects and prefixes both count) here.
  const store = srv.store;
  const listAll = store.listObjects.bind(store);
  const byKey = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  store.listObjects = async (bucket: string, options: { delimiter?: string; prefix?: string; maxKeys?: number; startAfter?: string }) => {
    const prefix = options.prefix ?? "";
    const delimiter = options.delimiter ?? "";
    const after = options.startAfter ?? "";
    const max = options.maxKeys ?? Infinity;
    const all = await listAll(bucket, { prefix, delimiter: "", startAfter: "", maxKeys: Infinity });
    const sorted = [...all.objects].sort((a: any, b: any) => byKey(a.key, b.key));
    const commonPrefixes: string[] = [];
    const objects: any[] = [];
    let isTruncated = false;
    for (const o of sorted) {
      if (after && byKey(o.key, after) <= 0) continue;
      const i = delimiter ? o.key.slice(prefix.length).indexOf(delimiter) : -1;
      const folded = i >= 0 ? o.key.slice(0, prefix.length + i + delimiter.length) : undefined;
      // a prefix already returned (this page, or an earlier one that ended on it) is not counted again
      if (folded !== undefined && (commonPrefixes.at(-1) === folded || (after && after.startsWith(folded)))) continue;
      if (objects.length + commonPrefixes.length >= max) {
        isTruncated = true;
        break;
      }
      if (folded !== undefined) commonPrefixes.push(folded);
      else objects.push(o);
    }
    return { objects, commonPrefixes, isTruncated };
  };
  const info = await srv.run();
  const endpoint = `http://127.0.0.1:${info.port}`;
  return {
    endpoint,
    port: info.port,
    sse,
    env: {
      S3_ENDPOINT: endpoint,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
    },
    async close() {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
