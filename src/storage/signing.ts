// HMAC-signed local download URLs: /files/{key}?exp=<unix seconds>&sig=<base64url HMAC-SHA256>[&ct=..][&fn=..].
// The signature covers the key, the expiry and the response content type and file name, so none can be changed.
import { createHmac, timingSafeEqual } from "node:crypto";

export const FILES_PREFIX = "/files/";

export interface SignedParams {
  key: string;
  exp: number;
  contentType?: string;
  filename?: string;
}

function mac(secret: Uint8Array, p: SignedParams): Buffer {
  return createHmac("sha256", secret)
    .update(["v1", p.key, String(p.exp), p.contentType ?? "", p.filename ?? ""].join("\n"))
    .digest();
}

export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

export function signPath(secret: Uint8Array, p: SignedParams): string {
  const q = new URLSearchParams({ exp: String(p.exp) });
  if (p.contentType) q.set("ct", p.contentType);
  if (p.filename) q.set("fn", p.filename);
  q.set("sig", mac(secret, p).toString("base64url"));
  return `${FILES_PREFIX}${encodeKeyPath(p.key)}?${q.toString()}`;
}

export type VerifyResult = { ok: true; params: SignedParams } | { ok: false; reason: "malformed" | "bad-signature" | "expired" };

/** Check a request's signature (constant time) and then its expiry against `nowSeconds`. */
export function verifySigned(secret: Uint8Array, key: string, query: URLSearchParams, nowSeconds: number): VerifyResult {
  const expRaw = query.get("exp");
  const sig = query.get("sig");
  if (!expRaw || !sig || !/^\d{1,12}$/.test(expRaw) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: "malformed" };
  const params: SignedParams = { key, exp: Number(expRaw), contentType: query.get("ct") ?? undefined, filename: query.get("fn") ?? undefined };
  const expected = mac(secret, params);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  if (params.exp < nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true, params };
}
