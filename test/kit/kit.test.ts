// The kit itself: a fresh app is the real one (guards, tokens, events in the outbox) and leaves nothing behind;
// a scenario fails when any of its expectations does.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { testApp } from "./app.ts";
import { runScenario, scenarios } from "./scenario.ts";
import { freshIp } from "./ip.ts";
import { otpFromText } from "./otp.ts";
import { disburseJob } from "../../jobs/disburse.ts";

describe("testApp", () => {
  test("a refused configuration leaves no depot behind (platform settings and extension settings)", () => {
    const depots = () => readdirSync(tmpdir()).filter((n) => n.startsWith("kreditku-kit-refused-")).length;
    const before = depots();
    expect(() => testApp({ prefix: "kreditku-kit-refused-", config: { port: -1 } as never })).toThrow();
    expect(() => testApp({ prefix: "kreditku-kit-refused-", env: { KREDITKU_GATEWAY: "paypal" } })).toThrow("KREDITKU_GATEWAY");
    expect(depots()).toBe(before);
  });

  test("a fresh migrated depot with the seed product; removed on close", async () => {
    const t = testApp();
    expect(t.db.read.get<any>("SELECT id FROM products WHERE id = 'prod_reference_weekly'")).toBeDefined();
    expect(existsSync(t.depot)).toBe(true);
    await t.close();
    expect(existsSync(t.depot)).toBe(false);
  });

  test("users get real tokens: the guard lets the role in, refuses others, and a revoked session is 401", async () => {
    await using t = testApp();
    const b = t.borrower();
    const admin = t.staff("admin");
    expect((await t.call("GET", "/api/v1/products", { as: b })).status).toBe(200);
    expect((await t.call("GET", "/api/v1/admin/products", { as: b })).status).toBe(403);
    expect((await t.call("GET", "/api/v1/admin/products", { as: admin })).status).toBe(200);
    expect((await t.call("GET", "/api/v1/admin/products")).status).toBe(401);
    t.db.tx((w) => w.run("UPDATE auth_sessions SET revoked_at = ? WHERE id = ?", t.clock.now().toISOString(), b.sessionId));
    expect((await t.call("GET", "/api/v1/products", { as: b })).status).toBe(401);
  });

  test("tokens are minted at the clock's time, so a moved clock never expires a user", async () => {
    await using t = testApp();
    const b = t.borrower();
    const old = await t.token(b);
    t.clock.advance(16 * 60_000);
    expect((await t.call("GET", "/api/v1/products", { token: old })).status).toBe(401);
    expect((await t.call("GET", "/api/v1/products", { as: b })).status).toBe(200);
  });

  test("OTP sign-in through the routes reads the code from the SMS text", async () => {
    await using t = testApp();
    const s = await t.signInBorrower("081299990001");
    expect(s.user.phone).toBe("+6281299990001");
    expect(t.sms().at(-1)!.to).toBe("+6281299990001");
    expect(otpFromText("Kode KreditKu Anda: 482913. Berlaku 5 menit.")).toBe("482913");
    expect(otpFromText("+6281234567890")).toBeNull();
  });

  test("events and jobs are read from the outbox", async () => {
    await using t = testApp();
    const mark = t.outboxMark();
    t.tx((x) => {
      x.emit("loan.status_changed", { loanId: "L1", userId: "U1", from: "active", to: "delinquent" });
      x.enqueue(disburseJob, { loanId: "L1" }, { key: "disburse:L1" });
    });
    expect(t.events(undefined, mark)).toEqual([{ name: "loan.status_changed", payload: { loanId: "L1", userId: "U1", from: "active", to: "delinquent" } }]);
    expect(t.jobs("disburse")).toEqual([{ name: "disburse", key: "disburse:L1", payload: { loanId: "L1" } }]);
  });

  test("fresh client IPs never repeat", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => freshIp()));
    expect(seen.size).toBe(1000);
  });
});

describe("runScenario fails on any unmet expectation", () => {
  const base = { name: "products", method: "GET" as const, url: "/api/v1/products", asUser: "borrower" as const, expectedStatus: 200 };
  test("the status", () => expect(runScenario({ ...base, expectedStatus: 201 })).rejects.toThrow("expected status 201, got 200"));
  test("content", () => expect(runScenario({ ...base, expectedContent: ["NO-SUCH-PRODUCT"] })).rejects.toThrow());
  test("a partial object", () => expect(runScenario({ ...base, expectedContent: { items: [{ code: "NOPE" }] } })).rejects.toThrow());
  test("content that must not be there", () => expect(runScenario({ ...base, notExpectedContent: ["KK-WEEKLY-50"] })).rejects.toThrow());
  test("events", () => expect(runScenario({ ...base, expectedEvents: { "loan.status_changed": 1 } })).rejects.toThrow());
  test("afterTest", () =>
    expect(
      runScenario({
        ...base,
        afterTest: () => {
          throw new Error("after");
        },
      }),
    ).rejects.toThrow("after"));
});

scenarios("scenarios pass when every expectation holds", [
  { name: "a borrower lists products", method: "GET", url: "/api/v1/products", asUser: "borrower", expectedStatus: 200, expectedContent: ['"code":"KK-WEEKLY-50"'], notExpectedContent: ["password"], expectedEvents: {} },
  { name: "anonymous is 401 problem+json", method: "GET", url: "/api/v1/products", expectedStatus: 401, expectedContent: { type: "https://kreditku.dev/problems/unauthorized" } },
  {
    name: "data from beforeTest reaches the url",
    method: "GET",
    asUser: "admin",
    beforeTest: ({ app }) => app.db.read.get<{ id: string }>("SELECT id FROM products LIMIT 1")!,
    url: ({ data }) => `/api/v1/admin/products/${data.id}`,
    expectedStatus: 200,
    afterTest: ({ res, data }) => expect(res.body.id).toBe(data.id),
  },
]);
