// S3 down or stalled: the document store answers within its deadline with DependencyUnavailable("s3"), and a
// document upload is a 503 problem+json with Retry-After (not a hang, not a 500 "internal"), logged as an s3
// failure; /readyz reports s3 degraded and still answers 200.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { S3BlobStore } from "./s3.ts";
import { DependencyUnavailable } from "../runtime/dependency.ts";
import { testApp } from "../../test/kit/app.ts";
import { jpegImage } from "../../test/kit/images.ts";

let stalled: Server;
let stalledUrl = "";
let notHttp: Server;
let notHttpUrl = "";
let refusedUrl = "";
const sockets: Socket[] = [];

beforeAll(async () => {
  stalled = createServer((s) => {
    sockets.push(s);
    s.on("data", () => {}); // reads the request, never answers
    s.on("error", () => {});
  });
  await new Promise<void>((res) => stalled.listen(0, "127.0.0.1", res));
  stalledUrl = `http://127.0.0.1:${(stalled.address() as { port: number }).port}`;
  notHttp = createServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
    s.write("SSH-2.0-OpenSSH_9.2\r\n"); // another service on the port: its banner, never HTTP
  });
  await new Promise<void>((res) => notHttp.listen(0, "127.0.0.1", res));
  notHttpUrl = `http://127.0.0.1:${(notHttp.address() as { port: number }).port}`;
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, "127.0.0.1", res));
  refusedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((res) => probe.close(() => res()));
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  stalled.close();
  notHttp.close();
});

const settings = (endpoint: string) => ({ bucket: "docs", endpoint, region: "us-east-1", forcePathStyle: true, accessKeyId: "k", secretAccessKey: "s" });

describe("the s3 store under an outage", () => {
  for (const [what, url] of [
    ["accepts connections but never answers", () => stalledUrl],
    ["refuses connections", () => refusedUrl],
    ["answers with something that is not HTTP", () => notHttpUrl],
  ] as const) {
    test(`S3 that ${what}: every call is DependencyUnavailable within the deadline`, async () => {
      const store = new S3BlobStore(settings(url()), undefined, { timeoutMs: 1500 });
      for (const call of [() => store.put("documents/u/1", new Uint8Array([1, 2, 3])), () => store.get("documents/u/1"), () => store.exists("documents/u/1"), () => store.delete("documents/u/1")]) {
        const t0 = performance.now();
        const err = await call().catch((e) => e);
        expect(performance.now() - t0).toBeLessThan(2500);
        expect(err).toBeInstanceOf(DependencyUnavailable);
        expect(err.dependency).toBe("s3");
      }
      expect(await store.ping()).toBe(false);
    });
  }
});

describe("a document upload while S3 is out", () => {
  for (const [what, url] of [
    ["accepts connections but never answers", () => stalledUrl],
    ["refuses connections", () => refusedUrl],
    ["answers with something that is not HTTP", () => notHttpUrl],
  ] as const) {
    test(`S3 that ${what}: 503 problem+json with Retry-After within a few seconds, logged as an s3 failure`, async () => {
      await using t = testApp({ env: { S3_BUCKET: "docs", S3_ENDPOINT: url(), S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s", S3_FORCE_PATH_STYLE: "true" } });
      const user = t.borrower();
      const form = new FormData();
      form.set("kind", "ktp");
      form.set("file", new File([jpegImage("ktp") as BlobPart], "ktp.jpg", { type: "image/jpeg" }));
      const t0 = performance.now();
      const res = await t.call("POST", "/api/v1/documents", { as: user, body: form });
      expect(performance.now() - t0).toBeLessThan(8000);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toStartWith("application/problem+json");
      expect(res.headers.get("retry-after")).toBe("5");
      expect(res.body).toMatchObject({ type: "https://kreditku.dev/problems/dependency-unavailable", status: 503, dependency: "s3" });
      expect(t.db.read.get<{ n: number }>("SELECT count(*) AS n FROM documents")?.n).toBe(0);
      expect(t.logs().some((l) => l.msg === "dependency unavailable" && l.fields.dependency === "s3")).toBe(true);
      const ready = await t.request("/readyz");
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: "degraded", checks: { s3: "degraded" } });
    }, 20_000);
  }
});
