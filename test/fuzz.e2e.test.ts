// Fuzzes every operation of the built binary's OpenAPI document, as anonymous, a borrower and each staff role, with
// hostile inputs from fast-check (fixed seed, bounded runs: deterministic, and well under a minute on two cores). Every
// answer must be below 500 and every 4xx an application/problem+json document; after each operation's batch the
// server must still answer /healthz, a signed-in /api/v1/auth/me and /metrics (valid text format).
// KREDITKU_FUZZ_RUNS (cases per operation and identity, default 40) and KREDITKU_FUZZ_SEED widen or vary a run;
// KREDITKU_FUZZ_VERBOSE=1 prints each operation's answers by identity and status.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { freshIp } from "./kit/ip.ts";
import { Journey } from "./kit/journey.ts";
import { operations, resolver, type Operation } from "./fuzz/openapi.ts";
import { caseArb, fixedCases, type Case, type GenContext } from "./fuzz/arbitraries.ts";
import { describeCase, healthProblems, judge, pool, send, type Identity } from "./fuzz/client.ts";
import { forgedDeliveries, otherRequests, signedDeliveries, signedHeaders } from "./fuzz/surfaces.ts";

const SEED = Number(process.env.KREDITKU_FUZZ_SEED ?? 20260301);
const RUNS = Number(process.env.KREDITKU_FUZZ_RUNS ?? 40);
const WIDTH = 4;
const VERBOSE = process.env.KREDITKU_FUZZ_VERBOSE === "1";
const PASSWORD = "fuzz-staff-password-1";
const STAFF = ["analyst", "finance", "admin"] as const;
const WEBHOOK_SECRET = "whsec_" + Buffer.from("fuzz-secret-fuzz-secret-fuzz-secret").toString("base64");

/** Operations that end the caller's session run last, so the other batches keep their tokens. */
const SESSION_ENDING = new Set(["POST /api/v1/auth/logout"]);
/**
 * Signed-in /api/v1/auth routes share one per-user limit of 60 a minute: they take turns over several sets of users
 * so most of their cases reach the handler instead of the limiter (429s still count and must be problems).
 */
const USER_SETS = 3;
const sharesUserLimit = (op: Operation) => op.path.startsWith("/api/v1/auth/") && op.secured;

// The operation list (for test names) from the same binary's `openapi` command; the first test checks the running
// server serves the same list at /api/openapi.json, and the cases are built from the served document.
const printed = await runCli(["openapi"]);
const OPS = operations(JSON.parse(printed.stdout)).sort((a, b) => Number(SESSION_ENDING.has(a.id)) - Number(SESSION_ENDING.has(b.id)));

function seedFor(text: string): number {
  let h = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

let srv: Running;
let served: Map<string, Operation>;
let ctx: GenContext;
/** identitySets[i]: anonymous, a borrower, and one user of each staff role. */
let identitySets: Identity[][];
const turns = new Map<string, number>();
/** Borrowers that only ever ask for /auth/me, taking turns (the route allows 60 calls a minute per user). */
let sentinels: string[];
let checks = 0;
const sentinel = () => sentinels[checks++ % sentinels.length];
const tally = new Map<number, number>();

/** The server's error lines for the request id a problem names (a 5xx's cause is in the log, never the response). */
function serverLog(violation: string): string {
  const rid = /"requestId":"([^"]+)"/.exec(violation)?.[1];
  const lines = rid ? srv.logs.filter((l) => l.includes(rid) && !l.includes('"msg":"request"')) : [];
  return lines.length ? `\n    server log: ${lines.join("\n    ").slice(0, 3000)}` : "";
}

async function staffLogin(email: string): Promise<string> {
  const r = await fetch(`${srv.url}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json", "X-Forwarded-For": freshIp() }, body: JSON.stringify({ email, password: PASSWORD }) });
  const body = (await r.json()) as any;
  if (r.status !== 200) throw new Error(`staff login ${email}: ${r.status} ${JSON.stringify(body)}`);
  return body.accessToken;
}

beforeAll(async () => {
  const depot = tempDepot("kreditku-fuzz-");
  for (let set = 0; set < USER_SETS; set++) {
    for (const role of STAFF) {
      const made = await runCli(["admin", "create", "--depot", depot, "--email", `${role}${set}@fuzz.test`, "--password", PASSWORD, "--role", role]);
      if (made.code !== 0) throw new Error(`admin create ${role}: ${made.stderr}`);
    }
  }
  srv = await startBinary({ depot, env: { KREDITKU_TRUST_PROXY: "true", KREDITKU_WEBHOOK_SECRET_STANDARD: WEBHOOK_SECRET } });
  const journey = new Journey(srv.url, srv.depot, "913");
  sentinels = [];
  for (let i = 0; i < 4; i++) sentinels.push((await journey.signIn()).token);
  const borrower = await journey.readyBorrower();
  const applied = await journey.call("POST", "/api/v1/applications", journey.applyBody(borrower.documentIds), { token: borrower.token });
  if (applied.status !== 201) throw new Error(`application ${applied.status}: ${JSON.stringify(applied.body)}`);
  identitySets = [];
  for (let set = 0; set < USER_SETS; set++) {
    const ids: Identity[] = [{ name: "anonymous" }, { name: "borrower", token: set === 0 ? borrower.token : (await journey.readyBorrower()).token }];
    for (const role of STAFF) ids.push({ name: role, token: await staffLogin(`${role}${set}@fuzz.test`) });
    identitySets.push(ids);
  }
  const admin = identitySets[0][4].token;

  // money in suspense and a webhook log, so the finance routes that act on them get real ids
  const seeded = signedDeliveries({ resolve: (x) => x ?? {}, known: {} }, 7, 40).filter((d) => d.path.includes("/payments/"));
  for (const d of seeded.slice(0, 4)) {
    await fetch(srv.url + d.path, { method: "POST", headers: { ...signedHeaders(WEBHOOK_SECRET, d, Math.floor(Date.now() / 1000)), "X-Forwarded-For": freshIp() }, body: d.body });
  }
  const list = async (path: string) => ((await (await fetch(srv.url + path, { headers: { Authorization: `Bearer ${admin}` } })).json()) as any).items.map((x: any) => String(x.id)) as string[];
  const paymentIds = await list("/api/v1/admin/payments");
  const eventIds = await list("/api/v1/admin/webhook-events");

  const doc = await (await fetch(`${srv.url}/api/openapi.json`)).json();
  served = new Map(operations(doc).map((o) => [o.id, o]));
  const records = (await (await fetch(`${srv.url}/api/v1/records`, { headers: { Authorization: `Bearer ${admin}` } })).json()) as any;
  ctx = {
    resolve: resolver(doc),
    known: {
      name: records.records.map((r: any) => r.name),
      id: ["prod_reference_weekly", applied.body.id, ...borrower.documentIds, ...paymentIds.slice(0, 2), ...eventIds.slice(0, 2)],
      productId: ["prod_reference_weekly"],
      applicationId: [applied.body.id],
      documentIds: borrower.documentIds,
      loanId: ["does-not-exist"],
    },
  };
});

afterAll(() => {
  if (tally.size) console.log(`fuzz: ${[...tally].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ")}`);
  srv?.cleanup();
});

describe("fuzz every operation of the OpenAPI document", () => {
  test("the running server documents the operations this suite fuzzes", () => {
    expect(OPS.length).toBeGreaterThan(30);
    expect([...served.keys()].sort()).toEqual(OPS.map((o) => o.id).sort());
  });

  OPS.filter(sharesUserLimit).forEach((op, i) => turns.set(op.id, i % USER_SETS));
  for (const { id } of OPS) {
    test(id, async () => {
      const op = served.get(id)!;
      const identities = identitySets[turns.get(id) ?? 0];
      const violations = new Map<string, string>();
      const opTally = new Map<string, number>();
      const jobs: { who: Identity; c: Case }[] = [];
      for (const who of identities) {
        const random = fc.sample(caseArb(op, ctx, !who.token), { seed: seedFor(`${id} ${who.name}`), numRuns: RUNS });
        for (const c of [...fixedCases(op, ctx), ...random]) jobs.push({ who, c });
      }
      await pool(jobs, WIDTH, async ({ who, c }) => {
        try {
          const out = await send(srv.url, op.method, c, who);
          tally.set(out.status, (tally.get(out.status) ?? 0) + 1);
          opTally.set(`${who.name}:${out.status}`, (opTally.get(`${who.name}:${out.status}`) ?? 0) + 1);
          const key = `${out.status} ${out.violation?.slice(0, 60)}`;
          if (out.violation && !violations.has(key)) violations.set(key, `${out.violation}\n    ${describeCase(op.method, c, who.name)}${serverLog(out.violation)}`);
        } catch (err) {
          violations.set(`fetch ${(err as Error).message}`, `request failed: ${(err as Error).message}\n    ${describeCase(op.method, c, who.name)}`);
        }
      });
      if (VERBOSE) console.log(`${id}: ${[...opTally].sort().map(([k, n]) => `${k}×${n}`).join(" ")}`);
      const health = await healthProblems(srv.url, sentinel());
      expect(srv.proc.exitCode).toBeNull();
      expect([...violations.values()]).toEqual([]);
      expect(health).toEqual([]);
    });
  }

  test("the server was exercised past validation: some fuzz cases succeeded", () => {
    const ok = [...tally].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0);
    expect(ok).toBeGreaterThan(50);
  });
});

describe("routes outside the OpenAPI document", () => {
  test("signed webhook deliveries with hostile payloads are applied or refused, never a 5xx", async () => {
    const violations: string[] = [];
    const deliveries = signedDeliveries(ctx, seedFor("webhooks"), RUNS * 12);
    await pool(deliveries, WIDTH, async (d) => {
      const r = await fetch(srv.url + d.path, { method: "POST", headers: { ...signedHeaders(WEBHOOK_SECRET, d, Math.floor(Date.now() / 1000)), "X-Forwarded-For": freshIp() }, body: d.body });
      const text = await r.text();
      tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
      const v = judge(r.status, r.headers.get("content-type") ?? "", text);
      if (VERBOSE) console.log(`webhook ${r.status} ${text.slice(0, 160)}`);
      if (v) violations.push(`${v}\n    POST ${d.path} webhook-id=${d.id} body=${d.body.slice(0, 400)}${serverLog(v)}`);
    });
    expect(violations.slice(0, 10)).toEqual([]);
    expect(await healthProblems(srv.url, sentinel())).toEqual([]);
  });

  test("forged deliveries, dashboard files, platform routes and undeclared methods", async () => {
    const violations: string[] = [];
    const requests = [...forgedDeliveries(seedFor("forged"), RUNS * 6), ...otherRequests(OPS, seedFor("other"), RUNS * 12)];
    await pool(requests, WIDTH, async ({ method, c }) => {
      const out = await send(srv.url, method, c);
      tally.set(out.status, (tally.get(out.status) ?? 0) + 1);
      if (out.violation) violations.push(`${out.violation}\n    ${describeCase(method, c, "anonymous")}${serverLog(out.violation)}`);
    });
    expect(violations.slice(0, 10)).toEqual([]);
    expect(await healthProblems(srv.url, sentinel())).toEqual([]);
  });
});

describe("request heads over the limit", () => {
  test("a 20,000-character Authorization header is a 431 problem, and the server carries on", async () => {
    for (const path of ["/healthz", "/api/v1/auth/me", "/api/v1/records/products"]) {
      const r = await fetch(srv.url + path, { headers: { Authorization: `Bearer ${"a".repeat(20_000)}` } });
      expect(r.status, path).toBe(431);
      expect(r.headers.get("content-type"), path).toStartWith("application/problem+json");
      expect(await r.json()).toMatchObject({ type: "https://kreditku.dev/problems/request-header-too-large", status: 431 });
    }
    const longUrl = await fetch(`${srv.url}/api/v1/records/products?q=${"x".repeat(20_000)}`, { headers: { Authorization: `Bearer ${sentinel()}` } });
    expect(longUrl.status).toBe(431);
    expect(longUrl.headers.get("content-type")).toStartWith("application/problem+json");
    expect(await healthProblems(srv.url, sentinel())).toEqual([]);
  });
});
