// Headless Chromium for the dashboard suites: Debian's /usr/bin/chromium driven by playwright-core, with the flags
// this closed network needs; pages that collect console errors; the dashboard's sign-in; waiting for a page to
// settle; CSV downloads parsed (RFC 4180).
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

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

/** A page in its own browser context (its own storage: one signed-in staff member), errors collected. */
export async function newWatchedPage(browser: Browser, opts: { width?: number; height?: number; locale?: string; acceptDownloads?: boolean } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, locale: opts.locale ?? "en-US", acceptDownloads: opts.acceptDownloads ?? true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return { page, context, errors };
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

/** RFC 4180 CSV into rows of cells (a leading byte order mark dropped). */
export function parseCsv(text: string): string[][] {
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Click something that downloads a file; the file's text. */
export async function downloadText(page: Page, click: () => Promise<void>): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent("download"), click()]);
  const stream = await dl.createReadStream();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
