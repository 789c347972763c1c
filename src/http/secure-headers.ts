// The security headers every response carries (the same as Hono's secureHeaders middleware with our options), and
// the headers a declared route's response starts from: built once, copied per response, so the platform layer
// (src/http/app.ts) need not set them one by one on a response already made with them.

/** Options of the security headers, the same as Hono's secureHeaders middleware was given. */
export const SECURE_HEADER_OPTIONS = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", "data:", "blob:"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    scriptSrc: ["'self'"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
  },
  crossOriginResourcePolicy: "same-origin",
} as const;

/**
 * The headers Hono's secureHeaders(SECURE_HEADER_OPTIONS) sets on every response (its defaults, in its order, then
 * the Content-Security-Policy), computed once (src/http/app.test.ts compares them with the middleware's output).
 */
export const SECURE_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
  [
    "Content-Security-Policy",
    Object.entries(SECURE_HEADER_OPTIONS.contentSecurityPolicy)
      .map(([directive, values]) => `${directive.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} ${values.join(" ")}`)
      .join("; "),
  ],
];

const SECURE_NAMES = new Set(SECURE_HEADERS.map(([name]) => name.toLowerCase()));
/** Headers a response made here must not take from a handler: the platform's values win, as when set afterwards. */
const RESERVED = new Set([...SECURE_NAMES, "x-powered-by", "x-request-id"]);
const BASE = new Headers(SECURE_HEADERS as [string, string][]);
const BASE_JSON = new Headers([["Content-Type", "application/json"], ...(SECURE_HEADERS as [string, string][])]);
/** Set on a response made with them (a symbol property: cheaper than a WeakSet entry per response). */
const SECURED = Symbol("kreditku.secured");

/**
 * Headers for a response that will carry the security headers and this request id, with the handler's own headers
 * set on top; null when the handler sets one of the platform's (the caller then leaves them to the platform layer).
 */
export function securedHeaders(requestId: string, own?: Record<string, string>): Headers | null {
  const h = new Headers(BASE);
  if (own !== undefined) {
    for (const name in own) {
      if (RESERVED.has(name.toLowerCase())) return null;
      h.set(name, own[name]);
    }
  }
  h.set("X-Request-Id", requestId);
  return h;
}

/** Headers of a JSON answer without headers of the handler's own: one copy and the request id. */
export function securedJsonHeaders(requestId: string): Headers {
  const h = new Headers(BASE_JSON);
  h.set("X-Request-Id", requestId);
  return h;
}

/** Mark a response built on securedHeaders (the platform layer then leaves its headers alone). */
export function markSecured(res: Response): Response {
  (res as Response & { [SECURED]?: true })[SECURED] = true;
  return res;
}

export const isSecured = (res: Response) => (res as Response & { [SECURED]?: true })[SECURED] === true;
