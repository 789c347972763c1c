// A handler's result as an HTTP response: JSON (or no body), or a stream (server-sent events by default).
import type { RouteResult } from "./types.ts";

export function toResponse(res: RouteResult): Response {
  const headers = new Headers(res.headers ?? {});
  if ("stream" in res) {
    if (!headers.has("content-type")) headers.set("Content-Type", "text/event-stream");
    if (!headers.has("cache-control")) headers.set("Cache-Control", "no-cache");
    return new Response(res.stream, { status: res.status, headers });
  }
  if (res.body === undefined || res.status === 204 || res.status === 304) return new Response(null, { status: res.status, headers });
  if (!headers.has("content-type")) headers.set("Content-Type", "application/json");
  return new Response(JSON.stringify(res.body), { status: res.status, headers });
}
