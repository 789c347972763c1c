// KYC over real HTTP (app + runtime + fs blob store + /files route): spoofing characters in a profile are refused
// with 422 naming the field; a JPEG/HTML polyglot named selfie.html is stored and downloaded as selfie.jpg, an
// attachment that is never sniffed; a bare JPEG signature is refused with problem+json.
import { expect, test } from "bun:test";
import { jpegImage } from "../../test/kit/images.ts";
import { testApp } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";
import { profileBody as profile } from "./fixtures/applicant.ts";

/** The multipart body of an upload whose client says it is text/html. */
const htmlForm = (kind: string, bytes: Uint8Array, name: string) => {
  const f = new FormData();
  f.set("kind", kind);
  f.set("file", new File([bytes as BlobPart], name, { type: "text/html" }));
  return f;
};

scenarios("KYC over HTTP", [
  {
    name: "a right-to-left override in the full name is refused with 422 naming fullName; nothing is saved",
    method: "PUT",
    url: "/api/v1/me/profile",
    asUser: "borrower",
    body: profile({ fullName: "Siti \u202Eahayu R" }),
    expectedStatus: 422,
    async afterTest({ app, user, res }) {
      expect(res.headers.get("content-type")).toStartWith("application/problem+json");
      expect(res.body.errors).toEqual([expect.objectContaining({ path: "fullName", message: expect.stringContaining("U+202E") })]);
      expect((await app.call("GET", "/api/v1/me/profile", { as: user })).status).toBe(404);
    },
  },
  {
    name: "every person-facing profile field is checked, each error names its field",
    method: "PUT",
    url: "/api/v1/me/profile",
    asUser: "borrower",
    body: profile({
      address: { line: "Jl. Merdeka\u200B No. 1", city: "Jakarta\u2066", province: "DKI Jakarta", postalCode: "10110" },
      employment: { status: "employed", employerName: "PT\u0000Maju", jobTitle: "Staff\u061C" },
      bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI\u200F RAHAYU" },
      emergencyContact: { name: "Budi\u202DSantoso", phone: "+6281234567890", relation: "sib\nling", consent: true },
    }),
    expectedStatus: 422,
    afterTest: ({ res }) =>
      expect(res.body.errors.map((e: any) => e.path).sort()).toEqual([
        "address.city",
        "address.line",
        "bankAccount.accountName",
        "emergencyContact.name",
        "emergencyContact.relation",
        "employment.employerName",
        "employment.jobTitle",
      ]),
  },
  {
    name: "a name with spaces around it and a combining accent is saved trimmed and NFC",
    method: "PUT",
    url: "/api/v1/me/profile",
    asUser: "borrower",
    body: profile({ fullName: "  Andre\u0301 Wijaya  " }),
    expectedStatus: 200,
    afterTest: ({ res }) => expect(res.body.fullName).toBe("Andr\u00e9 Wijaya"),
  },
  {
    name: "the bare 3-byte JPEG signature is refused: 422 problem+json saying the file is truncated",
    method: "POST",
    url: "/api/v1/documents",
    asUser: "borrower",
    body: () => htmlForm("ktp", new Uint8Array([0xff, 0xd8, 0xff]), "ktp.jpg"),
    expectedStatus: 422,
    expectedContent: { type: "https://kreditku.dev/problems/invalid-document" },
    expectedEvents: {},
    afterTest: ({ res }) => {
      expect(res.headers.get("content-type")).toStartWith("application/problem+json");
      expect(res.body.detail).toContain("truncated");
      expect(res.body.errors).toEqual([{ path: "file", message: expect.stringContaining("truncated") }]);
    },
  },
]);

test("KYC over HTTP > a JPEG/HTML polyglot uploaded as selfie.html is stored and downloaded as selfie.jpg, an unsniffed attachment", async () => {
  await using t = testApp();
  const borrower = t.borrower();
  const analyst = t.staff("analyst");
  const polyglot = new Uint8Array([...jpegImage("poly"), ...new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>")]);
  const up = await t.call("POST", "/api/v1/documents", { as: borrower, body: htmlForm("selfie", polyglot, "selfie.html") });
  expect(up.status).toBe(201);
  const doc = up.body;
  expect(doc).toMatchObject({ contentType: "image/jpeg", filename: "selfie.jpg" });
  const meta = (await t.call("GET", `/api/v1/documents/${doc.id}`, { as: analyst })).body;
  expect(meta.filename).toBe("selfie.jpg");
  const file = await t.request(meta.downloadUrl);
  expect(file.status).toBe(200);
  expect(file.headers.get("content-type")).toBe("image/jpeg");
  expect(file.headers.get("content-disposition")).toBe(`attachment; filename="selfie.jpg"; filename*=UTF-8''selfie.jpg`);
  expect(file.headers.get("x-content-type-options")).toBe("nosniff");
  expect(new Uint8Array(await file.arrayBuffer())).toEqual(polyglot);
});
