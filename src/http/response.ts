// A handler's result as an HTTP response: JSON (or text under a non-JSON content type, or no body), a stream
// (server-sent events by default), a file, or a Response a route outside the document made itself. With the
// request id, the response is made with the security headers and X-Request-Id already in it (src/http/secure-headers.ts).
import type { RouteResult } from "./route.ts";
import { markSecured, securedHeaders, securedJsonHeaders } from "./secure-headers.ts";

/** `contentType`: the declared response's media type, used when the handler sets none. */
export function toResponse(res: RouteResult, contentType?: string, requestId?: string): Response {
  if ("response" in res) return res.response;
  // the usual answer: a JSON body, no headers of the handler's own
  if (requestId !== undefined && res.headers === undefined && "body" in res && res.body !== undefined && res.status !== 204 && res.status !== 304 && (contentType === undefined || contentType === "application/json")) {
    return markSecured(new Response(JSON.stringify(res.body), { status: res.status, headers: securedJsonHeaders(requestId) }));
  }
  const secured = requestId === undefined ? null : securedHeaders(requestId, res.headers);
  const headers = secured ?? new Headers(res.headers ?? {});
  const made = (r: Response) => (secured ? markSecured(r) : r);
  if (!headers.has("content-type") && contentType) headers.set("Content-Type", contentType);
  if ("stream" in res) {
    if (!headers.has("content-type")) headers.set("Content-Type", "text/event-stream");
    if (!headers.has("cache-control")) headers.set("Cache-Control", "no-cache");
    return made(new Response(res.stream, { status: res.status, headers }));
  }
  if ("file" in res) {
    if (!headers.has("content-type")) headers.set("Content-Type", res.file.type || "application/octet-stream");
    return made(new Response(res.file, { status: res.status, headers }));
  }
  if (res.body === undefined || res.status === 204 || res.status === 304) return made(new Response(null, { status: res.status, headers }));
  const type = headers.get("content-type");
  if (type && !/json/i.test(type) && typeof res.body === "string") return made(new Response(res.body, { status: res.status, headers }));
  if (!type) headers.set("Content-Type", "application/json");
  return made(new Response(JSON.stringify(res.body), { status: res.status, headers }));
}
