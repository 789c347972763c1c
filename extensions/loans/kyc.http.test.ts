// KYC over real HTTP (app + runtime + fs blob store + /files route): spoofing characters in a profile are refused
// with 422 naming the field; a JPEG/HTML polyglot named selfie.html is stored and downloaded as selfie.jpg, an
// attachment that is never sniffed; a bare JPEG signature is refused with problem+json.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { testAuth, freshIp, type TestAuth } from "../../src/auth/test-support.ts";
import { createStaffUser } from "../../src/auth/staff.ts";
import { getRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { mountExtensions } from "../../src/runtime/routes.ts";
import { FsBlobStore } from "../../src/storage/fs.ts";
import { storageModule } from "../../src/storage/module.ts";
import { jpegImage } from "../../test/kit/images.ts";
import loans from "./index.ts";

const profile = (over: Record<string, unknown> = {}) => ({
  nik: "3171015501900001",
  fullName: "Siti Rahayu",
  birthDate: "1990-01-15",
  sex: "F",
  address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
  employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
  monthlyIncomeAmount: 8_000_000,
  bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
  emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
  ...over,
});

describe("KYC over HTTP", () => {
  let t: TestAuth;
  let rt: Runtime;
  let borrower: string;
  let analyst: string;

  const send = async (method: string, path: string, token: string, body?: unknown | FormData) => {
    const form = body instanceof FormData;
    const r = await t.app.request(path, {
      method,
      headers: { ...(form ? {} : { "Content-Type": "application/json" }), Authorization: `Bearer ${token}`, "X-Forwarded-For": freshIp() },
      body: body === undefined ? undefined : form ? (body as FormData) : JSON.stringify(body),
    });
    return r;
  };
  const upload = (kind: string, bytes: Uint8Array, name: string) => {
    const f = new FormData();
    f.set("kind", kind);
    f.set("file", new File([bytes as BlobPart], name, { type: "text/html" }));
    return send("POST", "/api/v1/documents", borrower, f);
  };

  beforeAll(async () => {
    t = testAuth([storageModule]);
    t.p.ports.set("blobs", new FsBlobStore({ root: join(t.depot, "uploads"), urlKey: randomBytes(32), clock: t.clock }));
    rt = getRuntime(t.p, { extensions: [loans], jobs: [], embedded: { pollMs: 50 } });
    mountExtensions(t.app, rt);
    await rt.start();
    borrower = (await t.signInBorrower("081277700001", freshIp())).accessToken;
    await createStaffUser(t.p.db, { email: "analyst@kyc.test", password: "correct horse battery", role: "analyst" });
    const login = await t.post("/api/v1/auth/login", { email: "analyst@kyc.test", password: "correct horse battery" }, { ip: freshIp() });
    analyst = ((await login.json()) as any).accessToken;
  });
  afterAll(async () => {
    await rt.stop(2000);
    t.close();
  });

  test("a right-to-left override in the full name is refused with 422 naming fullName; nothing is saved", async () => {
    const r = await send("PUT", "/api/v1/me/profile", borrower, profile({ fullName: "Siti \u202Eahayu R" }));
    expect(r.status).toBe(422);
    expect(r.headers.get("content-type")).toStartWith("application/problem+json");
    const body: any = await r.json();
    expect(body.errors).toEqual([expect.objectContaining({ path: "fullName", message: expect.stringContaining("U+202E") })]);
    expect((await send("GET", "/api/v1/me/profile", borrower)).status).toBe(404);
  });

  test("every person-facing profile field is checked, each error names its field", async () => {
    const r = await send(
      "PUT",
      "/api/v1/me/profile",
      borrower,
      profile({
        address: { line: "Jl. Merdeka\u200B No. 1", city: "Jakarta\u2066", province: "DKI Jakarta", postalCode: "10110" },
        employment: { status: "employed", employerName: "PT\u0000Maju", jobTitle: "Staff\u061C" },
        bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI\u200F RAHAYU" },
        emergencyContact: { name: "Budi\u202DSantoso", phone: "+6281234567890", relation: "sib\nling", consent: true },
      }),
    );
    expect(r.status).toBe(422);
    const paths = ((await r.json()) as any).errors.map((e: any) => e.path).sort();
    expect(paths).toEqual([
      "address.city",
      "address.line",
      "bankAccount.accountName",
      "emergencyContact.name",
      "emergencyContact.relation",
      "employment.employerName",
      "employment.jobTitle",
    ]);
    const ok = await send("PUT", "/api/v1/me/profile", borrower, profile({ fullName: "  Andre\u0301 Wijaya  " }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).fullName).toBe("Andr\u00e9 Wijaya");
  });

  test("a JPEG/HTML polyglot uploaded as selfie.html is stored and downloaded as selfie.jpg, an unsniffed attachment", async () => {
    const polyglot = new Uint8Array([...jpegImage("poly"), ...new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>")]);
    const up = await upload("selfie", polyglot, "selfie.html");
    expect(up.status).toBe(201);
    const doc: any = await up.json();
    expect(doc).toMatchObject({ contentType: "image/jpeg", filename: "selfie.jpg" });
    const meta: any = await (await send("GET", `/api/v1/documents/${doc.id}`, analyst)).json();
    expect(meta.filename).toBe("selfie.jpg");
    const file = await t.app.request(meta.downloadUrl);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/jpeg");
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="selfie.jpg"; filename*=UTF-8''selfie.jpg`);
    expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(polyglot);
  });

  test("the bare 3-byte JPEG signature is refused: 422 problem+json saying the file is truncated", async () => {
    const r = await upload("ktp", new Uint8Array([0xff, 0xd8, 0xff]), "ktp.jpg");
    expect(r.status).toBe(422);
    expect(r.headers.get("content-type")).toStartWith("application/problem+json");
    const body: any = await r.json();
    expect(body.type).toBe("https://kreditku.dev/problems/invalid-document");
    expect(body.detail).toContain("truncated");
    expect(body.errors).toEqual([{ path: "file", message: expect.stringContaining("truncated") }]);
  });
});
