// Every free-text string a client can send in a JSON body (every extension route, and the auth bodies that hold
// text shown to people) refuses spoofing characters. A free-text field is a string without a pattern or format:
// a new one added without safeText fails here, unless it is an identifier listed below.
import { describe, expect, test } from "bun:test";
import { EXTENSIONS } from "./index.ts";
import { RegisterVerifySchema } from "../src/auth/schemas.ts";
import type { RouteDefinition } from "../src/runtime/index.ts";

/** Not free text: identifiers looked up as given, and a timestamp the handler parses ("METHOD path → field"). */
const IDENTIFIERS = new Set([
  "POST /api/v1/quotes → productId",
  "POST /api/v1/applications → productId",
  "POST /api/v1/applications → documentIds[]",
  "POST /api/v1/admin/payments/{id}/resolve → loanId",
  "POST /api/v1/admin/applications/{id}/decision → offer.expiresAt",
]);

const SPOOFS = ["Budi\u202Egpj.exe", "Bu\u200Bdi", "Bu\u0000di", "Bu\u2066di\u2069", "Bu\uD800di"];

type Field = { path: string; schema: any };

/** The free-text string fields of a zod schema (through objects, arrays, unions, optional/default/nullable/pipe). */
function freeTextFields(schema: any, path = ""): Field[] {
  const def = schema?._zod?.def;
  if (!def) return [];
  switch (def.type) {
    case "object":
      return Object.entries(def.shape).flatMap(([k, v]) => freeTextFields(v, path ? `${path}.${k}` : k));
    case "array":
      return freeTextFields(def.element, `${path}[]`);
    case "union":
      return def.options.flatMap((o: any) => freeTextFields(o, path));
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return freeTextFields(def.innerType, path);
    case "pipe":
      return freeTextFields(def.in, path);
    case "string": {
      const constrained = (def.checks ?? []).some((c: any) => c._zod?.def?.check === "string_format");
      return constrained ? [] : [{ path, schema }];
    }
    default:
      return [];
  }
}

const bodyRoutes = EXTENSIONS.flatMap((e) => (e.routes ?? []) as RouteDefinition[]).filter((r) => r.request?.body);
const fields = bodyRoutes.flatMap((r) => freeTextFields(r.request!.body).map((f) => ({ ...f, where: `${r.method.toUpperCase()} ${r.path} → ${f.path}` })));
const textFields = fields.filter((f) => !IDENTIFIERS.has(f.where));

describe("free-text fields of extension request bodies", () => {
  test("the sweep finds the known person-facing fields", () => {
    const where = textFields.map((f) => f.where);
    for (const expected of [
      "PUT /api/v1/me/profile → fullName",
      "PUT /api/v1/me/profile → address.line",
      "PUT /api/v1/me/profile → employment.employerName",
      "PUT /api/v1/me/profile → bankAccount.accountName",
      "PUT /api/v1/me/profile → emergencyContact.name",
      "POST /api/v1/admin/products → name",
      "POST /api/v1/admin/products → description",
      "POST /api/v1/applications → purpose",
      "POST /api/v1/applications/{id}/cancel → reason",
      "POST /api/v1/admin/applications/{id}/decision → note",
      "POST /api/v1/admin/blocklist → reason",
      "POST /api/v1/admin/loans/{id}/refunds → reason",
      "POST /api/v1/admin/loans/{id}/refunds → transferReference",
      "POST /api/v1/admin/payments/{id}/resolve → transferReference",
      "POST /api/v1/admin/loans/{id}/write-off → reason",
    ]) {
      expect(where).toContain(expected);
    }
    for (const id of IDENTIFIERS) expect(fields.map((f) => f.where)).toContain(id);
  });

  test.each(textFields.map((f) => [f.where, f] as const))("%s refuses control, bidirectional and zero-width characters", (_where, f) => {
    for (const spoof of SPOOFS) {
      const r = f.schema.safeParse(spoof);
      expect(r.success).toBe(false);
      expect(r.error.issues.some((i: any) => /must not contain/.test(i.message))).toBe(true);
    }
  });
});

test("the passkey device name refuses them too", () => {
  const [deviceName] = freeTextFields(RegisterVerifySchema).filter((f) => f.path === "deviceName");
  expect(deviceName).toBeDefined();
  for (const spoof of SPOOFS) expect(deviceName.schema.safeParse(spoof).success).toBe(false);
  expect(deviceName.schema.parse(" Pixel 8 ")).toBe("Pixel 8");
});
