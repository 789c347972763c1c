// Table-driven API scenarios, in the spirit of PocketBase's tests.ApiScenario: each row is one request against a
// fresh app (testApp: a freshly migrated depot, the real routes, guards and runtime) and what must come back.
//
//   scenarios("products admin", [
//     { name: "anonymous", method: "GET", url: "/api/v1/admin/products", expectedStatus: 401 },
//     { name: "a borrower", method: "GET", url: "/api/v1/admin/products", asUser: "borrower", expectedStatus: 403 },
//     { name: "admin creates one", method: "POST", url: "/api/v1/admin/products", asUser: "admin", body: product,
//       expectedStatus: 201, expectedContent: { code: "KK-MONTHLY" } },
//     { name: "accept", method: "POST", asUser: "borrower",
//       beforeTest: ({ app, user }) => approvedApplication(app, user),          // returns data for url/body
//       url: ({ data }) => `/api/v1/applications/${data.id}/accept`,
//       expectedStatus: 201, expectedEvents: { "loan.status_changed": 1, "application.status_changed": 2, disburse: 1 } },
//   ]);
//
// One bun test per row, named `<group> > <name>`. Per row: the app is created (row.app or the group's options),
// the caller is made (asUser), beforeTest runs and may return data, the request is sent through app.request,
// then the status, the body (substrings of its compact JSON, or a partial object), the outbox rows the request
// wrote (events by event name, jobs by job name — exactly, when expectedEvents is given) and afterTest are
// checked, and the app is closed.
import { expect, test } from "bun:test";
import { testApp, type Res, type Role, type TestApp, type TestAppOptions, type TestUser } from "./app.ts";

export type AsUser = "anonymous" | Role | ((s: { app: TestApp }) => TestUser | Promise<TestUser>);

export interface ScenarioState<D> {
  app: TestApp;
  /** The caller (null for anonymous). */
  user: TestUser | null;
  /** What beforeTest returned. */
  data: D;
}

type OrFn<T, D> = T | ((s: ScenarioState<D>) => T);

export interface Scenario<D = any> {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";
  url: OrFn<string, D>;
  /** JSON body, or a FormData (multipart). */
  body?: OrFn<unknown, D>;
  headers?: OrFn<Record<string, string>, D>;
  /** Who calls: "anonymous" (default), a role (a new signed-in user of it), or a factory. */
  asUser?: AsUser;
  expectedStatus: number;
  /** Substrings of the response body (JSON compacted), or a partial object it must match (toMatchObject). */
  expectedContent?: string[] | Record<string, unknown>;
  notExpectedContent?: string[];
  /** Outbox rows the request wrote: events by name, jobs by name, with their counts. Checked exactly when given. */
  expectedEvents?: Record<string, number>;
  beforeTest?: (s: { app: TestApp; user: TestUser | null }) => D | Promise<D>;
  afterTest?: (s: ScenarioState<D> & { res: Res }) => void | Promise<void>;
  /** Wait this long after the response before checking events and running afterTest. */
  delay?: number;
  /** Test timeout (ms). */
  timeout?: number;
  /** App options for this row (default: the group's). */
  app?: TestAppOptions;
}

/** Type the data a row's beforeTest returns through to its url/body/afterTest. */
export function scenario<D>(row: Scenario<D>): Scenario<D> {
  return row;
}

const resolve = <T, D>(v: OrFn<T, D> | undefined, s: ScenarioState<D>): T | undefined => (typeof v === "function" ? (v as (s: ScenarioState<D>) => T)(s) : v);

/** What the outbox says a request did: events (recorded hooks) by event name and jobs by job name. */
export function emittedSince(app: TestApp, mark: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of app.events(undefined, mark)) out[e.name] = (out[e.name] ?? 0) + 1;
  for (const j of app.jobs(undefined, mark)) out[j.name] = (out[j.name] ?? 0) + 1;
  return out;
}

/** Run one scenario (inside a test). */
export async function runScenario<D>(row: Scenario<D>, appOptions: TestAppOptions = {}): Promise<void> {
  await using app = testApp(row.app ?? appOptions);
  const as = row.asUser ?? "anonymous";
  const user = as === "anonymous" ? null : typeof as === "function" ? await as({ app }) : app.user(as);
  const data = (row.beforeTest ? await row.beforeTest({ app, user }) : undefined) as D;
  const s: ScenarioState<D> = { app, user, data };
  const mark = app.outboxMark();
  const res = await app.call(row.method, resolve(row.url, s)!, { as: user, body: resolve(row.body, s), headers: resolve(row.headers, s) });
  const label = `${row.method} ${resolve(row.url, s)}`;
  const text = typeof res.body === "string" ? res.body : res.body === null ? "" : JSON.stringify(res.body);
  if (res.status !== row.expectedStatus) throw new Error(`${label}: expected status ${row.expectedStatus}, got ${res.status}: ${text.slice(0, 2000)}`);
  if (row.delay) await Bun.sleep(row.delay);
  if (Array.isArray(row.expectedContent)) for (const needle of row.expectedContent) expect(text).toContain(needle);
  else if (row.expectedContent) expect(res.body).toMatchObject(row.expectedContent);
  for (const needle of row.notExpectedContent ?? []) expect(text).not.toContain(needle);
  if (row.expectedEvents) expect({ request: label, emitted: emittedSince(app, mark) }).toEqual({ request: label, emitted: row.expectedEvents });
  await row.afterTest?.({ ...s, res });
}

/** One bun test per row, named `<group> > <row name>`, each on its own fresh app. */
export function scenarios(group: string, rows: Scenario[], appOptions: TestAppOptions = {}): void {
  const names = new Set<string>();
  for (const row of rows) {
    if (names.has(row.name)) throw new Error(`scenario "${row.name}" is listed twice in "${group}"`);
    names.add(row.name);
    test(`${group} > ${row.name}`, () => runScenario(row, appOptions), row.timeout);
  }
}
