// Headless Chromium for the dashboard suites: Debian's /usr/bin/chromium driven by playwright-core, with the flags
// this closed network needs; pages that collect console errors; the dashboard's sign-in; waiting for a page to
// settle (and a record table its fetch); the API asked as the signed-in staff member; CSV downloads parsed (RFC 4180).
import { expect } from "bun:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { runCli, startBinary, tempDepot, type Running } from "./binary.ts";

export { parseCsv } from "./csv.ts";

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/**
 * The binary serving a new depot with the suite's staff accounts (`admin create`; the role is the key without its
 * trailing digits unless `roleOf` says otherwise) and the suite's seed rows, written before the server starts.
 */
export async function serveStaffDepot(opts: {
  prefix: string;
  staff: Record<string, string>;
  password: string;
  roleOf?: (key: string) => string;
  seed?: (depot: string) => void;
  start?: Omit<Parameters<typeof startBinary>[0] & {}, "depot">;
}): Promise<Running> {
  const depot = tempDepot(opts.prefix);
  for (const [key, email] of Object.entries(opts.staff)) {
    const role = opts.roleOf ? opts.roleOf(key) : key.replace(/\d+$/, "");
    const r = await runCli(["admin", "create", "--depot", depot, "--email", email, "--password", opts.password, "--role", role]);
    expect(r.code).toBe(0);
  }
  opts.seed?.(depot);
  return startBinary({ ...opts.start, depot });
}

/** A page in its own browser context (its own storage: one signed-in staff member), errors collected. */
export async function newWatchedPage(browser: Browser, opts: { width?: number; height?: number; locale?: string; acceptDownloads?: boolean } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, locale: opts.locale ?? "en-US", acceptDownloads: opts.acceptDownloads ?? true });
  const errors: string[] = [];
  const page = watchErrors(await context.newPage(), errors);
  return { page, context, errors };
}

/** Collect a page's console errors and uncaught page errors into `errors` (e.g. a second tab of a watched page). */
export function watchErrors(page: Page, errors: string[]): Page {
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return page;
}

/** Chromium for one suite: watched pages opened through it are closed with it (in afterAll). */
export interface SuiteBrowser {
  browser: Browser;
  newPage(opts?: Parameters<typeof newWatchedPage>[1]): Promise<WatchedPage>;
  close(): Promise<void>;
}

export async function suiteBrowser(): Promise<SuiteBrowser> {
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(opts = {}) {
      const w = await newWatchedPage(browser, opts);
      contexts.push(w.context);
      return w;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
    },
  };
}

/** Sign in on the dashboard's form; fails fast with the reason the form shows (e.g. the sign-in rate limit). */
export async function signInDashboard(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/_/admin/`);
  await page.waitForURL(/\/_\/admin\/login/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  const refused = page
    .getByRole("alert")
    .waitFor({ timeout: 20_000 })
    .then(async () => `sign-in of ${email} refused: ${await page.getByRole("alert").innerText()}`)
    .catch(() => null);
  const ok = page.getByTestId("who").waitFor({ state: "attached", timeout: 20_000 }).then(() => null);
  const outcome = await Promise.race([ok, refused.then((msg) => msg ?? ok)]);
  if (outcome) throw new Error(outcome);
}

/** No loading state left on the page. */
export async function settled(page: Page, timeout = 15_000) {
  await page.waitForFunction(() => !document.querySelector(".state.loading"), undefined, { timeout });
}

/** A record table (`section[data-record=…]`) has fetched its current page: no refetch or page change in flight. */
export async function tableIdle(page: Page, record: string, timeout = 15_000) {
  await page.waitForFunction((r) => document.querySelector(`section[data-record=${r}] .table-wrap`)?.getAttribute("aria-busy") === "false", record, { timeout });
}

/** The signed-in dashboard's access token (from its session in localStorage). */
export function sessionToken(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("kreditku.admin.session") ?? "{}").accessToken as string);
}

export interface ApiAnswer {
  status: number;
  /** The JSON body, or null when the body is empty or not JSON (e.g. CSV). */
  body: any;
  text: string;
}

/** Ask the API with a bearer token; a JSON content type when there is a body. */
export async function apiWithToken(baseUrl: string, token: string, path: string, init: RequestInit = {}): Promise<ApiAnswer> {
  const headers = { Authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "Content-Type": "application/json" }), ...(init.headers as Record<string, string> | undefined) };
  const res = await fetch(baseUrl + path, { ...init, headers });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text };
}

/** Ask the API (at the page's origin) as the staff member signed in on the page: what the page should show. */
export async function apiAs(page: Page, path: string, init: RequestInit = {}): Promise<ApiAnswer> {
  return apiWithToken(new URL(page.url()).origin, await sessionToken(page), path, init);
}

/** Click something that downloads a file; its suggested file name and its text. */
export async function downloadFile(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent("download"), click()]);
  const stream = await dl.createReadStream();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return { name: dl.suggestedFilename(), text: Buffer.concat(chunks).toString("utf8") };
}

/** Click something that downloads a file; the file's text. */
export async function downloadText(page: Page, click: () => Promise<void>): Promise<string> {
  return (await downloadFile(page, click)).text;
}
