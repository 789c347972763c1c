// Fetch wrapper: Bearer token from the session, one refresh-token rotation on 401, problem+json errors as ApiError.
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

async function parse(res: Response): Promise<unknown> {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
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
      const res = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refreshToken: s.refreshToken }) });
      if (!res.ok) return false;
      const body = (await res.json()) as Session;
      saveSession({ accessToken: body.accessToken, refreshToken: body.refreshToken, user: body.user ?? s.user });
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

export async function api<T = any>(path: string, init: RequestInit & { json?: unknown } = {}, retried = false): Promise<T> {
  const headers = new Headers(init.headers);
  const s = loadSession();
  if (s) headers.set("Authorization", `Bearer ${s.accessToken}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await fetch(path, { ...init, headers, body });
  if (res.status === 401 && s && !retried && !path.startsWith("/api/v1/auth/")) {
    if (await refresh()) return api<T>(path, init, true);
    saveSession(null);
  }
  const data = await parse(res);
  if (!res.ok) {
    const problem = (data && typeof data === "object" ? data : { title: String(data ?? res.statusText) }) as Problem;
    throw new ApiError(res.status, problem);
  }
  return data as T;
}

export function qs(params: Record<string, string | number | boolean | undefined | null>) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : "";
}

export const rupiah = (n: unknown) => (typeof n === "number" ? `Rp ${n.toLocaleString("id-ID")}` : "—");
export const dateTime = (v: unknown) => {
  if (typeof v !== "string" || !v) return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
};
