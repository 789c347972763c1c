// Sends fuzz cases to a running server and judges each answer: never a 5xx, every 4xx a problem+json document whose
// status matches; and between batches, the server as a whole still healthy (/healthz, a signed-in /auth/me, /metrics).
import type { Case } from "./arbitraries.ts";
import { queryString } from "./arbitraries.ts";
import { freshIp } from "../kit/ip.ts";

export interface Identity {
  name: string;
  token?: string;
}

export interface Outcome {
  status: number;
  contentType: string;
  /** A reason this answer breaks the contract, or null. */
  violation: string | null;
}

function bodyInit(c: Case): BodyInit | undefined {
  if (!c.body) return undefined;
  if ("text" in c.body) return c.body.text;
  const form = new FormData();
  for (const part of c.body.form) {
    if ("file" in part) form.append(part.name, new File([new Uint8Array(part.file.bytes)], part.file.filename, { type: part.file.type }));
    else form.append(part.name, part.value);
  }
  return form;
}

/** What the case sends, short enough to print. */
export function describeCase(method: string, c: Case, who: string): string {
  const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  const body = !c.body ? "" : "text" in c.body ? ` body=${cut(JSON.stringify(c.body.text))}` : ` form=${cut(JSON.stringify(c.body.form.map((p) => ("file" in p ? [p.name, p.file.filename, p.file.type, p.file.bytes.length] : [p.name, p.value]))))}`;
  return `[${who}] ${method} ${cut(c.path + queryString(c.query))} headers=${cut(JSON.stringify(c.headers))}${body}`;
}

/** Why an answer breaks the contract, or null. A HEAD answer has no body, so only its status and type are judged. */
export function judge(status: number, contentType: string, text: string, head = false): string | null {
  if (status >= 500) return `${status} server error: ${text.slice(0, 300)}`;
  if (status >= 400) {
    if (!contentType.startsWith("application/problem+json")) return `${status} with content-type "${contentType}", not application/problem+json: ${text.slice(0, 200)}`;
    if (head) return null;
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return `${status} problem body is not JSON: ${text.slice(0, 200)}`;
    }
    if (typeof body?.type !== "string" || typeof body?.title !== "string") return `${status} problem without type/title: ${text.slice(0, 200)}`;
    if (body.status !== status) return `${status} problem says status ${body.status}`;
  }
  return null;
}

export async function send(base: string, method: string, c: Case, who: Identity = { name: "anonymous" }): Promise<Outcome> {
  const headers: Record<string, string> = { "X-Forwarded-For": freshIp(), ...c.headers };
  if (who.token) headers.Authorization = `Bearer ${who.token}`;
  const res = await fetch(base + c.path + queryString(c.query), { method, headers, body: bodyInit(c), signal: AbortSignal.timeout(15_000), redirect: "manual" });
  const contentType = res.headers.get("content-type") ?? "";
  if (contentType.startsWith("text/event-stream")) {
    // a live stream never ends: the headers are the answer
    await res.body?.cancel();
    return { status: res.status, contentType, violation: judge(res.status, contentType, "") };
  }
  const text = await res.text();
  return { status: res.status, contentType, violation: judge(res.status, contentType, text, method === "HEAD") };
}

/** Runs tasks with at most `width` in flight. */
export async function pool<T>(items: T[], width: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|\+Inf|-Inf)( -?[0-9]+)?$/;
const COMMENT = /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

/** Problems with a Prometheus text exposition (empty list: valid). */
export function exposition(text: string): string[] {
  const bad = text.split("\n").filter((l) => l !== "" && !SAMPLE.test(l) && !COMMENT.test(l));
  if (!/^http_request_duration_seconds_count\{/m.test(text)) bad.push("no http_request_duration_seconds samples");
  return bad.slice(0, 5);
}

/** The server still serves everyone: liveness, a signed-in request, valid metrics, and the process alive. */
export async function healthProblems(base: string, sentinelToken: string): Promise<string[]> {
  const out: string[] = [];
  try {
    const h = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    if (h.status !== 200) out.push(`/healthz ${h.status}: ${(await h.text()).slice(0, 200)}`);
    else await h.text();
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${sentinelToken}`, "X-Forwarded-For": freshIp() }, signal: AbortSignal.timeout(10_000) });
    if (me.status !== 200) out.push(`/api/v1/auth/me ${me.status}: ${(await me.text()).slice(0, 200)}`);
    else await me.text();
    const m = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const text = await m.text();
    if (m.status !== 200) out.push(`/metrics ${m.status}: ${text.slice(0, 200)}`);
    else out.push(...exposition(text).map((l) => `/metrics line not in the text format: ${l.slice(0, 200)}`));
  } catch (err) {
    out.push(`server unreachable: ${(err as Error).message}`);
  }
  return out;
}
