// SNAP BI (Bank Indonesia's national open-API standard), the parts a bank calls us with, pure: response codes,
// the asymmetric signature of the B2B access-token request, the symmetric signature of transactional requests,
// X-TIMESTAMP and SNAP money. Shared by the routes (./routes.ts) and the test's fake bank, which signs with them.
import { createHash, createHmac, createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { minifyJson, safeEqual, TIMESTAMP_TOLERANCE_SECONDS } from "../verify.ts";

/** The services of this flow and their 2-digit SNAP service codes. */
export const SERVICE = { token: "73", inquiry: "24", payment: "25" } as const;
export type SnapService = keyof typeof SERVICE;

/** The SNAP cases this server answers: HTTP status, 2-digit case code, message. */
export const CASE = {
  success: [200, "00", "Successful"],
  badRequest: [400, "00", "Bad Request"],
  invalidFormat: [400, "01", "Invalid Field Format"],
  missingField: [400, "02", "Invalid Mandatory Field"],
  unauthorized: [401, "00", "Unauthorized"],
  invalidToken: [401, "01", "Invalid Token (B2B)"],
  notFound: [404, "12", "Invalid Bill/Virtual Account"],
  invalidAmount: [404, "13", "Invalid Amount"],
  paidBill: [404, "14", "Paid Bill"],
  inconsistent: [404, "18", "Inconsistent Request"],
  conflict: [409, "00", "Conflict"],
  generalError: [500, "00", "General Error"],
} as const satisfies Record<string, readonly [number, string, string]>;
export type SnapCase = keyof typeof CASE;

export interface SnapAnswer<B extends Record<string, unknown> = Record<string, unknown>> {
  status: number;
  body: { responseCode: string; responseMessage: string } & B;
}

/** responseCode = HTTP status + service code + case code; the message may name the reason (`Unauthorized. Signature`). */
export function snapAnswer<B extends Record<string, unknown>>(service: SnapService, c: SnapCase, extra?: B, reason?: string): SnapAnswer<B> {
  const [status, caseCode, message] = CASE[c];
  return { status, body: { responseCode: `${status}${SERVICE[service]}${caseCode}`, responseMessage: reason ? `${message}. ${reason}`.slice(0, 150) : message, ...(extra as B) } };
}

// ---- timestamps ----------------------------------------------------------------------------------------------------

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** X-TIMESTAMP (yyyy-MM-ddTHH:mm:ssTZD): "bad" when malformed, "stale" outside the 5-minute window, else the instant. */
export function checkTimestamp(ts: string | null, now: Date): Date | "bad" | "stale" {
  if (!ts || !TIMESTAMP.test(ts)) return "bad";
  const at = new Date(ts);
  if (Number.isNaN(at.getTime())) return "bad";
  return Math.abs(now.getTime() - at.getTime()) <= TIMESTAMP_TOLERANCE_SECONDS * 1000 ? at : "stale";
}

// ---- signatures ----------------------------------------------------------------------------------------------------

/** The string the bank signs with its private key for an access token: `clientKey|X-TIMESTAMP`. */
export const tokenStringToSign = (clientKey: string, timestamp: string) => `${clientKey}|${timestamp}`;

/** The bank's public key from PEM (SPKI or PKCS#1), or null when it is not one. */
export function parsePublicKey(pem: string): KeyObject | null {
  try {
    const key = createPublicKey(pem.replace(/\\n/g, "\n"));
    return key.asymmetricKeyType === "rsa" ? key : null;
  } catch {
    return null;
  }
}

/** SHA256withRSA over `clientKey|timestamp`, base64, checked with the bank's public key. */
export function verifyTokenSignature(key: KeyObject, clientKey: string, timestamp: string, signatureB64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
  try {
    return verifySignature("RSA-SHA256", Buffer.from(tokenStringToSign(clientKey, timestamp)), key, Buffer.from(signatureB64, "base64"));
  } catch {
    return false;
  }
}

/** The symmetric string-to-sign: METHOD:relativeUrl:accessToken:lowercase hex SHA-256(minified body):timestamp. */
export function transactionStringToSign(method: string, relativeUrl: string, accessToken: string, rawBody: string, timestamp: string): string {
  const hash = createHash("sha256").update(minifyJson(rawBody)).digest("hex").toLowerCase();
  return `${method.toUpperCase()}:${relativeUrl}:${accessToken}:${hash}:${timestamp}`;
}

/** HMAC-SHA512 of the string-to-sign with the client secret, base64. */
export function signTransaction(clientSecret: string, method: string, relativeUrl: string, accessToken: string, rawBody: string, timestamp: string): string {
  return createHmac("sha512", clientSecret).update(transactionStringToSign(method, relativeUrl, accessToken, rawBody, timestamp)).digest("base64");
}

/** Whether the X-SIGNATURE matches under any of the client secrets (two during rotation); same work per secret. */
export function verifyTransaction(secrets: readonly string[], signature: string, method: string, relativeUrl: string, accessToken: string, rawBody: string, timestamp: string): boolean {
  let ok = false;
  for (const s of secrets) if (safeEqual(signTransaction(s, method, relativeUrl, accessToken, rawBody, timestamp), signature)) ok = true;
  return ok;
}

// ---- money and VA numbers -----------------------------------------------------------------------------------------

/** Integer rupiah as SNAP money text: 110000 → "110000.00". */
export const snapMoney = (rupiah: number) => ({ value: `${rupiah}.00`, currency: "IDR" });

/** The VA number a request names: virtualAccountNo without its padding, or partnerServiceId + customerNo. */
export function vaNumberOf(body: { partnerServiceId?: unknown; customerNo?: unknown; virtualAccountNo?: unknown }): string | null {
  const strip = (v: unknown) => (typeof v === "string" ? v.replace(/\s+/g, "") : "");
  const full = strip(body.virtualAccountNo);
  if (full) return full;
  const joined = strip(body.partnerServiceId) + strip(body.customerNo);
  return joined || null;
}
