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

// One sign-in per browser: the session lives in localStorage, shared by every tab of the dashboard. A change made
// in one tab (sign-in, refresh, sign-out) reaches the others through the storage event, so signing out in one tab
// signs out all of them, and a refresh in one tab hands the new tokens to the rest.
export const SESSION_KEY = "kreditku.admin.session";
let listeners: Array<(s: Session | null) => void> = [];

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}
const notify = (s: Session | null) => {
  for (const l of listeners) l(s);
};
export function saveSession(s: Session | null) {
  if (s) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else localStorage.removeItem(SESSION_KEY);
  notify(s);
}
export function onSession(l: (s: Session | null) => void) {
  listeners.push(l);
  return () => {
    listeners = listeners.filter((x) => x !== l);
  };
}
if (typeof window !== "undefined") {
  // another tab signed in, refreshed or signed out (the storage event fires in every tab but the writer's)
  window.addEventListener("storage", (e) => {
    if (e.key === SESSION_KEY || e.key === null) notify(loadSession());
  });
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

/**
 * Exchange the refresh token for a new pair, once across all tabs: refresh tokens are single use (presenting a
 * used one again is token reuse and ends the session), so the tabs take turns under a Web Lock, and a tab that
 * gets the lock after another tab rotated the pair just uses the new access token.
 */
let refreshing: Promise<boolean> | null = null;
async function refresh(rejectedAccessToken: string): Promise<boolean> {
  const rotate = async (): Promise<boolean> => {
    const s = loadSession();
    if (!s) return false;
    if (s.accessToken !== rejectedAccessToken) return true; // another tab refreshed meanwhile
    try {
      const { data: body, response } = await anonymousClient.POST("/api/v1/auth/refresh", { body: { refreshToken: s.refreshToken } });
      if (!body) {
        // refused (expired, revoked, account disabled): signed out in every tab
        if (response.status === 401 || response.status === 403) saveSession(null);
        return false;
      }
      saveSession({ accessToken: body.accessToken, refreshToken: body.refreshToken, user: (body.user as User | undefined) ?? s.user });
      return true;
    } catch {
      return false;
    }
  };
  refreshing ??= (async () => {
    try {
      const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
      // Web Locks need a secure context (https, localhost); elsewhere each tab refreshes on its own
      return locks ? await locks.request("kreditku.admin.refresh", rotate) : await rotate();
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
    if (await refresh(s.accessToken)) return api<T>(path, init, true);
    if (loadSession()?.accessToken === s.accessToken) saveSession(null);
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
