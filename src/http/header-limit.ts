// Request-head size limit answered as problem+json. Bun rejects a request whose head exceeds its parser limit with a
// bare 431 (no body) before any handler runs, so the server raises that limit to HEADER_PARSER_LIMIT_BYTES
// (src/server.ts) and the app's platform layer (src/http/app.ts), before anything else, refuses anything above
// MAX_REQUEST_HEADER_BYTES (Bun's default, so what was accepted before is accepted now) with a 431 problem and a
// stable type.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./types.ts";
import { HttpProblem } from "./problem.ts";

/** Largest request line + headers the API accepts. */
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;
/** What Bun's HTTP parser is allowed to read, so oversized heads reach the middleware; larger ones get Bun's bare 431. */
export const HEADER_PARSER_LIMIT_BYTES = 256 * 1024;

/** Bytes of the request line and headers as sent (`METHOD target HTTP/1.1`, `name: value` lines). */
export function requestHeadBytes(req: Request): number {
  const url = new URL(req.url);
  let n = req.method.length + url.pathname.length + url.search.length + 12;
  req.headers.forEach((value, name) => {
    n += Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
  });
  return n;
}

/**
 * Is the request's head larger than `max` bytes? Counted in characters first, the whole URL standing in for its
 * path and query: a character is at most 3 bytes of UTF-8, so a head whose count × 3 fits is within the limit
 * without parsing the URL or encoding any header; only a larger one is measured exactly (requestHeadBytes).
 */
export function headTooLarge(req: Request, max = MAX_REQUEST_HEADER_BYTES): boolean {
  let chars = req.method.length + req.url.length + 12;
  req.headers.forEach((value, name) => {
    chars += name.length + value.length + 4;
  });
  return chars * 3 > max && requestHeadBytes(req) > max;
}

export const headerTooLarge = () =>
  new HttpProblem(431, "request-header-too-large", "Request header fields too large", `The request line and headers together may be at most ${MAX_REQUEST_HEADER_BYTES} bytes`, { limit: MAX_REQUEST_HEADER_BYTES });

export const headerLimit = (max = MAX_REQUEST_HEADER_BYTES): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (headTooLarge(c.req.raw, max)) throw headerTooLarge();
  await next();
};
