// Document storage through the built binary: signed local /files URLs (fs adapter) and the S3 readiness check.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBinary, type Running } from "./kit/binary.ts";
import { signPath } from "../src/storage/signing.ts";
import { startS3 } from "./kit/s3.ts";
import { pdfDocument } from "./kit/images.ts";

const SLIP = new TextDecoder().decode(pdfDocument("slip gaji"));

const running: Running[] = [];
afterAll(() => running.forEach((r) => r.cleanup()));

test("fs: signed /files URL accepted; expired and tampered refused; key generated 0600", async () => {
  const srv = await startBinary();
  running.push(srv);
  const keyFile = join(srv.depot, "secrets/files-url.key");
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  const secret = Buffer.from(readFileSync(keyFile, "utf8").trim(), "hex");
  mkdirSync(join(srv.depot, "uploads/documents/u1"), { recursive: true });
  writeFileSync(join(srv.depot, "uploads/documents/u1/doc-1"), SLIP);
  const now = Math.floor(Date.now() / 1000);
  const good = signPath(secret, { key: "documents/u1/doc-1", exp: now + 60, contentType: "application/pdf", filename: "slip.pdf" });
  const ok = await fetch(srv.url + good);
  expect(ok.status).toBe(200);
  expect(ok.headers.get("content-type")).toBe("application/pdf");
  expect(await ok.text()).toBe(SLIP);
  const expired = await fetch(srv.url + signPath(secret, { key: "documents/u1/doc-1", exp: now - 1 }));
  expect(expired.status).toBe(403);
  expect(((await expired.json()) as any).type).toBe("https://kreditku.dev/problems/signed-url-expired");
  const tampered = await fetch(srv.url + good.replace("exp=", "exp=9"));
  expect(tampered.status).toBe(403);
  expect(tampered.headers.get("content-type")).toContain("application/problem+json");
  const forged = await fetch(srv.url + signPath(Buffer.alloc(32, 1), { key: "documents/u1/doc-1", exp: now + 60 }));
  expect(forged.status).toBe(403);
  expect((await fetch(`${srv.url}/files/documents/u1/doc-1`)).status).toBe(403);
});

test("s3: /readyz checks the bucket", async () => {
  const s3 = await startS3(["kreditku-docs"]);
  try {
    const srv = await startBinary({ env: { ...s3.env, S3_BUCKET: "kreditku-docs" } });
    running.push(srv);
    const r = await fetch(`${srv.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).checks.s3).toBe(true);
    await s3.close();
    // S3 down: the API still serves (documents answer 503), readiness reports s3 degraded
    const down = await fetch(`${srv.url}/readyz`);
    expect(down.status).toBe(200);
    expect(await down.json()).toMatchObject({ status: "degraded", checks: { s3: "degraded" } });
  } finally {
    await s3.close().catch(() => {});
  }
});
