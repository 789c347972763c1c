// BlobStore adapters: fs (depot/uploads, traversal refused, signed local URLs) and s3 against a real s3rver.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { loadConfig } from "../config.ts";
import { ManualClock } from "../clock.ts";
import { createPlatform } from "../platform.ts";
import { createApp } from "../http/app.ts";
import { createLogger } from "../observability/logger.ts";
import { createBlobStore, FsBlobStore, S3BlobStore, BlobKeyError } from "./index.ts";
import { storageModule } from "./module.ts";
import { startS3, type TestS3 } from "../../test/kit/s3.ts";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "kreditku-storage-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("fs BlobStore", () => {
  const depot = tmp();
  const clock = new ManualClock("2026-01-01T00:00:00Z");
  const config = loadConfig({ depot, env: {} });
  const store = createBlobStore(config, { clock }) as FsBlobStore;

  test("is chosen without S3 and keeps documents under depot/uploads", async () => {
    expect(store.kind).toBe("fs");
    await store.put("documents/u1/d1", new Uint8Array([1, 2, 3]));
    expect(existsSync(join(depot, "uploads/documents/u1/d1"))).toBe(true);
    expect(statSync(join(depot, "uploads/documents/u1/d1")).mode & 0o777).toBe(0o600);
    expect(await store.get("documents/u1/d1")).toEqual(new Uint8Array([1, 2, 3]));
    expect(await store.exists("documents/u1/d1")).toBe(true);
    await store.put("documents/u1/d1", new Uint8Array([9]));
    expect(await store.get("documents/u1/d1")).toEqual(new Uint8Array([9]));
    expect(readdirSync(join(depot, "uploads/documents/u1"))).toEqual(["d1"]);
    await store.delete("documents/u1/d1");
    expect(await store.get("documents/u1/d1")).toBeNull();
    expect(await store.exists("documents/u1/d1")).toBe(false);
    await store.delete("documents/u1/never");
    expect(await store.ping()).toBe(true);
  });

  test("path traversal and odd keys are impossible", async () => {
    for (const key of ["../x", "documents/../../etc/passwd", "/etc/passwd", "a//b", "a/./b", ".hidden", "a/..", "", "a\\..\\b", "a/b\0c", "x".repeat(2000)]) {
      await expect(store.put(key, new Uint8Array([1]))).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(BlobKeyError);
    }
    expect(existsSync(join(depot, "x"))).toBe(false);
  });

  test("the URL-signing key is generated once into depot/secrets with mode 0600", () => {
    const f = join(depot, "secrets/files-url.key");
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const again = createBlobStore(config, { clock }) as FsBlobStore;
    return again.signedUrl("documents/a/b").then(async (u) => {
      expect(store.verify("documents/a/b", new URL(u, "http://h").searchParams).ok).toBe(true);
    });
  });
});

describe("signed local URLs through the /files route", () => {
  const depot = tmp();
  const clock = new ManualClock("2026-03-01T08:00:00Z");
  const platform = createPlatform({ depot, env: {}, clock, log: createLogger("silent") });
  const app = createApp(platform, [storageModule]);
  const store = platform.ports.get("blobs") as FsBlobStore;
  afterAll(() => platform.db.close());

  test("accepted while fresh, with the signed content type and file name", async () => {
    await store.put("documents/u7/ktp-1", new TextEncoder().encode("KTP-IMAGE"));
    const url = await store.signedUrl("documents/u7/ktp-1", { expiresInSeconds: 60, contentType: "image/jpeg", filename: "ktp budi.jpg" });
    expect(url.startsWith("/files/documents/u7/ktp-1?")).toBe(true);
    const res = await app.request(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("KTP-IMAGE");
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(res.headers.get("content-disposition")).toContain("ktp%20budi.jpg");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  test("served as a never-sniffed attachment whose name cannot carry quotes, line breaks or bidi characters", async () => {
    const url = await store.signedUrl("documents/u7/ktp-1", { contentType: "image/jpeg", filename: 'selfie\u202Egpj.html"\r\nX-Injected: 1' });
    const res = await app.request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-injected")).toBeNull();
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="selfiegpj.html_X-Injected_ 1"; filename*=UTF-8''selfiegpj.html_X-Injected_%201`);
    const unnamed = await app.request(await store.signedUrl("documents/u7/ktp-1"));
    expect(unnamed.headers.get("content-disposition")).toBe("attachment");
    expect(unnamed.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("expired, tampered, unsigned or traversing requests are refused with problem+json", async () => {
    const url = await store.signedUrl("documents/u7/ktp-1", { expiresInSeconds: 60 });
    clock.advance(61_000);
    const expired = await app.request(url);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as any).type).toBe("https://kreditku.dev/problems/signed-url-expired");
    clock.advance(-61_000);
    expect((await app.request(url)).status).toBe(200);

    const u = new URL(url, "http://h");
    const cases: string[] = [];
    const other = new URL(u);
    other.pathname = "/files/documents/u8/ktp-1";
    cases.push(other.pathname + other.search);
    const longer = new URL(u);
    longer.searchParams.set("exp", String(Number(u.searchParams.get("exp")) + 3600));
    cases.push(longer.pathname + longer.search);
    const ct = new URL(u);
    ct.searchParams.set("ct", "text/html");
    cases.push(ct.pathname + ct.search);
    const sig = new URL(u);
    const s = sig.searchParams.get("sig")!;
    sig.searchParams.set("sig", (s[0] === "A" ? "B" : "A") + s.slice(1));
    cases.push(sig.pathname + sig.search);
    cases.push(u.pathname);
    for (const c of cases) {
      const res = await app.request(c);
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as any).type).toBe("https://kreditku.dev/problems/signed-url-invalid");
    }
    const trav = await app.request("/files/documents/..%2F..%2Fsecrets/files-url.key?exp=9999999999&sig=" + "A".repeat(43));
    expect(trav.status).toBe(404);
    const missing = await store.signedUrl("documents/u7/none");
    expect((await app.request(missing)).status).toBe(404);
  });

  test("publicUrl makes absolute links", async () => {
    const cfg = loadConfig({ depot, env: { KREDITKU_PUBLIC_URL: "https://api.kreditku.test/" } });
    const abs = createBlobStore(cfg, { clock });
    expect(await abs.signedUrl("documents/u7/ktp-1")).toStartWith("https://api.kreditku.test/files/documents/u7/ktp-1?exp=");
  });
});

describe("s3 BlobStore against s3rver", () => {
  let s3: TestS3;
  let store: S3BlobStore;
  beforeAll(async () => {
    s3 = await startS3(["kreditku-docs"]);
    const config = loadConfig({ depot: tmp(), env: { ...s3.env, S3_BUCKET: "kreditku-docs", S3_SSE: "AES256" } });
    store = createBlobStore(config) as S3BlobStore;
  });
  afterAll(() => s3?.close());

  test("is chosen when S3 is configured; keys as given; SSE header on every upload", async () => {
    expect(store.kind).toBe("s3");
    const body = new TextEncoder().encode("slip gaji");
    await store.put("documents/u1/doc-9", body, { contentType: "application/pdf" });
    expect(s3.sse.get("kreditku-docs/documents/u1/doc-9")).toBe("AES256");
    const head = await store.client.send(new HeadObjectCommand({ Bucket: "kreditku-docs", Key: "documents/u1/doc-9" }));
    expect(head.ContentType).toBe("application/pdf");
    expect(head.ServerSideEncryption).toBe("AES256");
    expect(await store.get("documents/u1/doc-9")).toEqual(body);
    expect(await store.exists("documents/u1/doc-9")).toBe(true);
    expect(await store.get("documents/u1/none")).toBeNull();
    expect(await store.exists("documents/u1/none")).toBe(false);
    await expect(store.put("../escape", body)).rejects.toBeInstanceOf(BlobKeyError);
    const raw = await store.client.send(new GetObjectCommand({ Bucket: "kreditku-docs", Key: "documents/u1/doc-9" }));
    expect(await raw.Body!.transformToString()).toBe("slip gaji");
    expect(head.ContentDisposition).toBe("attachment");
  });

  test("presigned URLs always download as an attachment with a cleaned name", async () => {
    await store.put("documents/u1/doc-10", new TextEncoder().encode("<html>"), { contentType: "image/jpeg" });
    const named = await fetch(await store.signedUrl("documents/u1/doc-10", { contentType: "image/jpeg", filename: 'selfie\u202Egpj.html"; x=".jpg' }));
    expect(named.status).toBe(200);
    expect(named.headers.get("content-type")).toBe("image/jpeg");
    expect(named.headers.get("content-disposition")).toBe(`attachment; filename="selfiegpj.html__ x=_.jpg"; filename*=UTF-8''selfiegpj.html__%20x%3D_.jpg`);
    const unnamed = await fetch(await store.signedUrl("documents/u1/doc-10"));
    expect(unnamed.headers.get("content-disposition")).toBe("attachment");
    await store.delete("documents/u1/doc-10");
  });

  test("presigned URL downloads with plain fetch, with content type and file name; a tampered one fails", async () => {
    const url = await store.signedUrl("documents/u1/doc-9", { expiresInSeconds: 120, contentType: "application/pdf", filename: "slip gaji.pdf" });
    expect(url).toContain("X-Amz-Signature=");
    expect(url).toContain("X-Amz-Expires=120");
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("slip gaji");
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toContain("slip%20gaji.pdf");
    const bad = await fetch(url.replace("response-content-type=application%2Fpdf", "response-content-type=text%2Fhtml"));
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("SignatureDoesNotMatch");
    const short = await store.signedUrl("documents/u1/doc-9", { expiresInSeconds: 1 });
    expect((await fetch(short)).status).toBe(200);
    await Bun.sleep(2100);
    const late = await fetch(short);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain("expired");
  });

  test("delete, ping and readiness through the platform", async () => {
    await store.delete("documents/u1/doc-9");
    expect(await store.exists("documents/u1/doc-9")).toBe(false);
    expect(await store.ping()).toBe(true);
    const platform = createPlatform({ depot: tmp(), env: { ...s3.env, S3_BUCKET: "kreditku-docs" }, log: createLogger("silent") });
    const app = createApp(platform, [storageModule]);
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks.s3).toBe(true);
    const p2 = createPlatform({ depot: tmp(), env: { ...s3.env, S3_BUCKET: "no-such-bucket" }, log: createLogger("silent") });
    const degraded = await createApp(p2, [storageModule]).request("/readyz");
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toMatchObject({ status: "degraded", checks: { s3: "degraded" } });
    platform.db.close();
    p2.db.close();
  });
});
