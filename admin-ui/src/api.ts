// The dashboard's API helper over the repo's typed client (clients/typescript: openapi-fetch over the types generated
// from the OpenAPI document): Bearer token from the session, one refresh-token rotation on 401, problem+json errors
// as ApiError. Pages call api(path) with the paths of src/endpoints.ts; the client's typed methods are used directly
// where a page wants the document's types (the token refresh below).
import { createKreditkuClient } from "../../clients/typescript/index.ts";

export interface User {
  id: string;
  role: "borrower" | "analyst" | "finance" | "admin";
  email: string | null;
  displayName?: string | null;
}
export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  get slug() {
    return this.problem.type?.split("/").pop() ?? "";
  }
  /** The backend for this page is not part of this deployment (yet). */
  get notAvailable() {
    return this.status === 404 && (this.slug === "record-not-found" || this.slug === "not-found") || this.status === 501;
  }
}

const KEY = "kreditku.admin.session";
let listeners: Array<(s: Session | null) => void> = [];

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}
export function saveSession(s: Session | null) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}
export function onSession(l: (s: Session | null) => void) {
  listeners.push(l);
  return () => {
    listeners = listeners.filter((x) => x !== l);
  };
}

/** Signed in with the session's current access token (read before each request); same origin. */
export const client = createKreditkuClient("", () => loadSession()?.accessToken);
/** Without a token: the refresh call, which must not send an expired access token. */
const anonymousClient = createKreditkuClient("");

/** A body as the API answered it: JSON when it is JSON, else the text, null when empty. */
function parse(text: unknown): unknown {
  if (typeof text !== "string" || !text) return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

let refreshing: Promise<boolean> | null = null;
async function refresh(): Promise<boolean> {
  const s = loadSession();
  if (!s) return false;
  refreshing ??= (async () => {
    try {
      const { data: body } = await anonymousClient.POST("/api/v1/auth/refresh", { body: { refreshToken: s.refreshToken } });
      if (!body) return false;
      saveSession({ accessToken: body.accessToken, refreshToken: body.refreshToken, user: (body.user as User | undefined) ?? s.user });
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

/** Any route by its path (query string included): the client's request() untyped, the answer parsed as JSON. */
export async function api<T = any>(path: string, init: RequestInit & { json?: unknown } = {}, retried = false): Promise<T> {
  const s = loadSession();
  const { json, body, method, headers, ...rest } = init;
  const res = await client.request((method ?? "GET").toLowerCase() as "get", path as never, {
    ...rest,
    headers: Object.fromEntries(new Headers(headers).entries()),
    // JSON bodies serialised by the client (with their Content-Type); any other body passed as it is
    ...(json !== undefined ? { body: json as never } : body != null ? { body: body as never, bodySerializer: (b: unknown) => b as BodyInit } : {}),
    parseAs: "text",
  } as never);
  const response: Response = (res as { response: Response }).response;
  if (response.status === 401 && s && !retried && !path.startsWith("/api/v1/auth/")) {
    if (await refresh()) return api<T>(path, init, true);
    saveSession(null);
  }
  if (!response.ok) {
    const data = parse((res as { error?: unknown }).error);
    const problem = (data && typeof data === "object" ? data : { title: String(data ?? response.statusText) }) as Problem;
    throw new ApiError(response.status, problem);
  }
  return parse((res as { data?: unknown }).data) as T;
}

export function qs(params: Record<string, string | number | boolean | undefined | null>) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : "";
}

/** Shown values: rupiah and numbers in id-ID, times in WIB (src/format.ts). */
export { rupiah, dateTimeWib as dateTime, dateWib, number, percentOfRatio, percentOfBps, phoneLocal } from "./format.ts";
