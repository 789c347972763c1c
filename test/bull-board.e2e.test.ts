// bull-board at /_/admin/queues against the built binary: with BullMQ on (REDIS_URL, a private key prefix) the
// ticket endpoint refuses non-admins, a ticket works once and expires after 60 s, the cookie opens the page and its
// API lists every queue of the runtime, no cookie is 401, a demoted admin is refused; Chromium renders the queue
// list with no console errors or CSP violations (screenshot test-results/bull-board.png). With BullMQ off: 404
// `bullmq-disabled`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from "./kit/queue.ts";

const SHOT = resolve(import.meta.dir, "../test-results/bull-board.png");
const PASSWORD = "correct-horse-battery";
const prefix = uniquePrefix("test-bull-board");
// the runtime's queues: owner, hooks, results and one per runsOn 'any' job (extensions/*)
const QUEUES = ["owner", "hooks", "results", "fraud-check", "score-application", "send-reminder"];

let on: Running;
let off: Running;
let browser: Browser | undefined;
const ids: Record<string, string> = {};

async function createStaff(depot: string, email: string, role: string) {
  const r = await runCli(["admin", "create", "--depot", depot, "--email", email, "--password", PASSWORD, "--role", role]);
  if (r.code !== 0) throw new Error(`admin create ${email}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!).id as string;
}

async function login(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

// sign-in is rate limited (5/min per IP and email): the first admin signs in once
let adminTokenP: Promise<string> | undefined;
const adminToken = () => (adminTokenP ??= login(on.url, "admin@bb.test"));

const session = (base: string, token?: string) => fetch(`${base}/api/v1/admin/queues/session`, { method: "POST", headers: token ? { Authorization: `Bearer ${token}` } : {} });

async function ticketUrl(token: string): Promise<string> {
  const res = await session(on.url, token);
  expect(res.status).toBe(201);
  const body = (await res.json()) as { url: string; expiresAt: string };
  expect(body.url).toMatch(/^\/_\/admin\/queues\/login\?ticket=[A-Za-z0-9_-]{43}$/);
  return body.url;
}

/** Open a ticket URL without following the redirect; returns the response and the cookie pair it set. */
async function openTicket(url: string) {
  const res = await fetch(`${on.url}${url}`, { redirect: "manual" });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { res, setCookie, cookie: setCookie.split(";")[0] };
}

const advance = (ms: number) => fetch(`${on.url}/_/test/clock`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advanceMs: ms }) });

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return (await res.json()) as { type: string; title: string; status: number; detail?: string };
}

beforeAll(async () => {
  const depotOn = tempDepot("kreditku-bb-on-");
  const depotOff = tempDepot("kreditku-bb-off-");
  // one depot's first CLI run migrates it: create its users one after another
  const onUsers = (async () => {
    ids.admin = await createStaff(depotOn, "admin@bb.test", "admin");
    ids.admin2 = await createStaff(depotOn, "admin2@bb.test", "admin");
    ids.analyst = await createStaff(depotOn, "analyst@bb.test", "analyst");
  })();
  await Promise.all([onUsers, createStaff(depotOff, "admin@bb-off.test", "admin")]);
  [on, off, browser] = await Promise.all([
    startBinary({ depot: depotOn, env: { REDIS_URL, KREDITKU_QUEUE_PREFIX: prefix, KREDITKU_TEST_CLOCK: "1" } }),
    startBinary({ depot: depotOff, env: { REDIS_URL: "", KREDITKU_QUEUE_PREFIX: `${prefix}-off` } }),
    chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }),
  ]);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([on?.stop(), off?.stop()]);
  on?.cleanup();
  off?.cleanup();
  await deleteRedisPrefix(prefix);
});

describe("bull-board with BullMQ on", () => {
  test("the session endpoint refuses callers without a token (401) and non-admins (403)", async () => {
    const none = await session(on.url);
    expect(none.status).toBe(401);
    const analyst = await session(on.url, await login(on.url, "analyst@bb.test"));
    expect(analyst.status).toBe(403);
    expect((await problemOf(analyst)).type).toBe("https://kreditku.dev/problems/forbidden");
  });

  test("without the cookie every path under /_/admin/queues is a 401 problem; a forged cookie too", async () => {
    for (const p of ["/_/admin/queues", "/_/admin/queues/", "/_/admin/queues/api/queues", "/_/admin/queues/static/css/x.css", "/_/admin/queues/queue/owner"]) {
      const res = await fetch(`${on.url}${p}`, { redirect: "manual" });
      expect(res.status).toBe(401);
      expect((await problemOf(res)).type).toBe("https://kreditku.dev/problems/unauthorized");
    }
    const forged = await fetch(`${on.url}/_/admin/queues/api/queues`, { headers: { Cookie: "kreditku_queues=eyJzdWIiOiJ4In0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
    expect(forged.status).toBe(401);
    expect((await problemOf(forged)).detail).toContain("bad signature");
  });

  test("a ticket opens the board once: cookie flags, the page, its API lists every queue; reuse is refused", async () => {
    const url = await ticketUrl(await adminToken());
    const { res, setCookie, cookie } = await openTicket(url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/_/admin/queues");
    expect(setCookie).toMatch(/^kreditku_queues=[^;]+;/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/_/admin/queues");
    expect(setCookie).toMatch(/Max-Age=900/);

    const page = await fetch(`${on.url}/_/admin/queues`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain('<base href="/_/admin/queues/"');
    expect(html).not.toContain("fonts.googleapis.com");
    const css = html.match(/static\/css\/main\.[0-9a-f]+\.css/)![0];
    const asset = await fetch(`${on.url}/_/admin/queues/${css}`, { headers: { Cookie: cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("text/css");
    expect((await asset.text()).length).toBeGreaterThan(1000);

    const api = await fetch(`${on.url}/_/admin/queues/api/queues?page=1&jobsPerPage=10`, { headers: { Cookie: cookie } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual([...QUEUES].sort());

    // a state change from another site is refused even with the cookie
    const cross = await fetch(`${on.url}/_/admin/queues/api/queues/owner/pause`, { method: "PUT", headers: { Cookie: cookie, Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" } });
    expect(cross.status).toBe(403);

    const again = await openTicket(url);
    expect(again.res.status).toBe(401);
    expect(again.setCookie).toBe("");
    expect((await problemOf(again.res)).detail).toContain("unknown, used or expired");
  });

  test("an admin who is demoted (sessions revoked) loses the board at once", async () => {
    const token2 = await login(on.url, "admin2@bb.test");
    const { cookie } = await openTicket(await ticketUrl(token2));
    expect((await fetch(`${on.url}/_/admin/queues/api/queues`, { headers: { Cookie: cookie } })).status).toBe(200);
    const demote = await fetch(`${on.url}/api/v1/auth/users/${ids.admin2}/role`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${await adminToken()}`, "Content-Type": "application/json" },
      body: JSON.stringify({ role: "analyst" }),
    });
    expect(demote.status).toBe(200);
    const after = await fetch(`${on.url}/_/admin/queues/api/queues`, { headers: { Cookie: cookie } });
    expect(after.status).toBe(401);
  });

  test("Chromium: the ticket URL opens the board, which lists the queues with no console errors or CSP violations", async () => {
    const url = await ticketUrl(await adminToken());
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || /Content Security Policy/i.test(m.text())) errors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(`${on.url}${url}`);
    await page.waitForURL(/\/_\/admin\/queues$/);
    for (const q of QUEUES) await page.getByText(q, { exact: true }).first().waitFor({ timeout: 10_000 });
    await page.waitForLoadState("networkidle");
    mkdirSync(resolve(SHOT, ".."), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    // the cookie is HttpOnly: page scripts cannot read it
    expect(await page.evaluate(() => document.cookie)).not.toContain("kreditku_queues");
    await ctx.close();
    expect(errors).toEqual([]);
  }, 20_000);

  test("a ticket expires after 60 s; the cookie after 15 minutes", async () => {
    const token = await adminToken();
    const live = await openTicket(await ticketUrl(token));
    const stale = await ticketUrl(token);
    expect((await advance(61_000)).status).toBe(200);
    const expired = await openTicket(stale);
    expect(expired.res.status).toBe(401);
    expect(expired.setCookie).toBe("");
    expect((await fetch(`${on.url}/_/admin/queues/api/queues`, { headers: { Cookie: live.cookie } })).status).toBe(200);
    expect((await advance(15 * 60_000)).status).toBe(200);
    const old = await fetch(`${on.url}/_/admin/queues/api/queues`, { headers: { Cookie: live.cookie } });
    expect(old.status).toBe(401);
    expect((await problemOf(old)).detail).toContain("expired");
  });
});

describe("bull-board with BullMQ off", () => {
  test("/_/admin/queues and the session endpoint answer 404 bullmq-disabled", async () => {
    for (const p of ["/_/admin/queues", "/_/admin/queues/", "/_/admin/queues/api/queues", "/_/admin/queues/login?ticket=x"]) {
      const res = await fetch(`${off.url}${p}`, { redirect: "manual" });
      expect(res.status).toBe(404);
      const body = await problemOf(res);
      expect(body.type).toBe("https://kreditku.dev/problems/bullmq-disabled");
      expect(body.title).toBe("BullMQ is not enabled");
    }
    expect((await session(off.url)).status).toBe(401);
    const res = await session(off.url, await login(off.url, "admin@bb-off.test"));
    expect(res.status).toBe(404);
    expect((await problemOf(res)).type).toBe("https://kreditku.dev/problems/bullmq-disabled");
  });
});
