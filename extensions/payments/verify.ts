// Webhook verification for the payment-gateway providers (DESIGN §4 "Money movement"). Pure: given the raw body,
// the headers, the request path and the provider's secrets (two during rotation), answer verified + event id or a
// failure reason. Constant-time comparisons throughout. Shared by the webhook handlers (./webhooks.ts), the sandbox gateway
// (which signs with the same code) and real provider adapters.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

// The gateway providers and webhook kinds (the shared vocabulary, under the names this protocol module uses).
export { PAYMENT_PROVIDERS as PROVIDERS, type PaymentProvider as Provider, type WebhookKind } from "../../schemas/enums.ts";
import type { PaymentProvider as Provider, WebhookKind } from "../../schemas/enums.ts";

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type VerifyFailure =
  | "missing_headers"
  | "bad_signature"
  | "stale_timestamp"
  | "bad_timestamp"
  | "malformed_body"
  | "no_secret";

export type VerifyResult =
  | { ok: true; eventId: string; timestamp: Date | null; body: unknown }
  | { ok: false; reason: VerifyFailure; detail: string };

export interface VerifyInput {
  provider: Provider;
  method: string;
  path: string;
  headers: Headers | Record<string, string>;
  rawBody: string;
  secrets: string[];
  now: Date;
}

function header(h: Headers | Record<string, string>, name: string): string | null {
  if (h instanceof Headers) return h.get(name);
  const k = Object.keys(h).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? null : h[k];
}

/** Constant-time equality of two byte strings of any length (compares fixed-size digests). */
export function safeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  const length = (x: Uint8Array | string) => (typeof x === "string" ? Buffer.byteLength(x) : x.byteLength);
  return timingSafeEqual(da, db) && length(a) === length(b);
}

// ---- Standard Webhooks -------------------------------------------------------------------------------------------

/** Minimum decoded length of a Standard Webhooks secret, and minimum lengths of the SNAP and Xendit secrets. */
export const MIN_STANDARD_KEY_BYTES = 24;
export const MIN_SHARED_SECRET_CHARS = 16;

/**
 * The HMAC key of a Standard Webhooks secret: `whsec_` + strict base64 (padding optional) of at least 24 bytes.
 * Anything else is refused (null): Buffer.from(…, "base64") would silently drop characters and could give an empty
 * or short key that anyone can forge signatures with.
 */
export function parseStandardSecret(secret: string): Buffer | null {
  if (!secret.startsWith("whsec_")) return null;
  const b64 = secret.slice(6);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, "base64");
  if (key.toString("base64").replace(/=+$/, "") !== b64.replace(/=+$/, "")) return null;
  return key.length >= MIN_STANDARD_KEY_BYTES ? key : null;
}

/** Why a configured webhook secret is refused (null = acceptable). Never echoes the secret. */
export function webhookSecretProblem(provider: Provider, secret: string): string | null {
  if (provider === "standard") {
    return parseStandardSecret(secret) ? null : `must be "whsec_" followed by base64 of at least ${MIN_STANDARD_KEY_BYTES} random bytes`;
  }
  if (secret.length < MIN_SHARED_SECRET_CHARS) return `must be at least ${MIN_SHARED_SECRET_CHARS} characters`;
  return null;
}

export function standardKey(secret: string): Buffer {
  const key = parseStandardSecret(secret);
  if (!key) throw new Error(`invalid Standard Webhooks secret: ${webhookSecretProblem("standard", secret)}`);
  return key;
}

/**
 * parseStandardSecret of the configured secrets, remembered (a regex and two base64 passes per secret, per delivery
 * otherwise). Only verifyWebhook uses these keys, read-only; a handful of secrets are configured at a time.
 */
const parsedStandardKeys = new Map<string, Buffer | null>();
function configuredStandardKey(secret: string): Buffer | null {
  let key = parsedStandardKeys.get(secret);
  if (key === undefined) {
    key = parseStandardSecret(secret);
    if (parsedStandardKeys.size >= 16) parsedStandardKeys.clear();
    parsedStandardKeys.set(secret, key);
  }
  return key;
}

/** The base64 HMAC-SHA256 of `id.timestamp.body` (the Standard Webhooks signature, without its `v1,`). */
const standardSignature = (key: Buffer, id: string, timestampSeconds: number, body: string) => createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");

export function signStandard(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${standardSignature(standardKey(secret), id, timestampSeconds, body)}`;
}

/**
 * A given Standard Webhooks signature equals the expected one: constant time over the expected digest's bytes. Its
 * length is public (base64 of 32 bytes), so a given value of another length is unequal at once without revealing
 * anything (safeEqual hashes both sides to hide a secret's length; there is none to hide here).
 */
function sameSignature(expected: Buffer, given: string): boolean {
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(expected, g);
}

// ---- SNAP BI ------------------------------------------------------------------------------------------------------

/**
 * Minify a JSON body for the SNAP string-to-sign: remove the whitespace outside strings and keep every token's text
 * exactly as sent (escapes such as `\/` or `\u00e9`, numbers such as `110000.00`). Re-serialising would change them
 * and break signatures computed over the sender's text. Throws on invalid JSON.
 */
export function minifyJson(raw: string): string {
  JSON.parse(raw);
  let out = "";
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charCodeAt(i);
    if (ch === 0x22) {
      // a string: copy through to its closing quote, skipping escaped characters
      for (i++; i < raw.length && raw.charCodeAt(i) !== 0x22; i++) if (raw.charCodeAt(i) === 0x5c) i++;
    } else if (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d) {
      out += raw.slice(from, i);
      from = i + 1;
    }
  }
  return out + raw.slice(from);
}

/** The SNAP string-to-sign; `minify: false` hashes the body exactly as received. */
export function snapStringToSign(method: string, path: string, rawBody: string, timestamp: string, opts: { minify?: boolean } = {}): string {
  const body = opts.minify === false ? rawBody : minifyJson(rawBody);
  const bodyHash = createHash("sha256").update(body).digest("hex").toLowerCase();
  return `${method.toUpperCase()}:${path}:${bodyHash}:${timestamp}`;
}

export function signSnap(secret: string, method: string, path: string, rawBody: string, timestamp: string, opts: { minify?: boolean } = {}): string {
  return createHmac("sha512", secret).update(snapStringToSign(method, path, rawBody, timestamp, opts)).digest("base64");
}

/** SNAP timestamps look like 2026-11-24T19:00:00+07:00 (ISO-8601 with offset). */
export function snapTimestamp(d: Date, offsetMinutes = 7 * 60): string {
  const local = new Date(d.getTime() + offsetMinutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const sign = offsetMinutes >= 0 ? "+" : "-";
  const off = Math.abs(offsetMinutes);
  return `${local.toISOString().slice(0, 19)}${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
}

// ---- verification -------------------------------------------------------------------------------------------------

function withinWindow(ts: Date, now: Date): boolean {
  return Math.abs(now.getTime() - ts.getTime()) <= TIMESTAMP_TOLERANCE_SECONDS * 1000;
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const value = JSON.parse(raw);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false };
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

export function verifyWebhook(input: VerifyInput): VerifyResult {
  const { provider, headers: h, rawBody, now } = input;
  // A malformed Standard Webhooks secret is never used as a key (it could decode to an empty or short HMAC key that
  // anyone can sign with). Minimum lengths of the other providers' secrets are enforced at start (./webhooks.ts).
  const secrets = input.secrets.filter((s) => !!s && (provider !== "standard" || configuredStandardKey(s) !== null));
  if (secrets.length === 0) return { ok: false, reason: "no_secret", detail: `no valid secret configured for provider ${provider}` };

  if (provider === "standard") {
    const id = header(h, "webhook-id");
    const ts = header(h, "webhook-timestamp");
    const sig = header(h, "webhook-signature");
    if (!id || !ts || !sig) return { ok: false, reason: "missing_headers", detail: "webhook-id, webhook-timestamp and webhook-signature are required" };
    if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: "bad_timestamp", detail: "webhook-timestamp must be Unix seconds" };
    const when = new Date(Number(ts) * 1000);
    if (!withinWindow(when, now)) return { ok: false, reason: "stale_timestamp", detail: "webhook-timestamp is outside the 5-minute window" };
    const given = sig.split(" ").filter((s) => s.startsWith("v1,")).map((s) => s.slice(3));
    let match = false;
    for (const secret of secrets) {
      const expected = Buffer.from(standardSignature(configuredStandardKey(secret)!, id, Number(ts), rawBody));
      for (const g of given) if (sameSignature(expected, g)) match = true; // no early exit: same work for every candidate
    }
    if (!match) return { ok: false, reason: "bad_signature", detail: "no webhook-signature matches" };
    const body = parseJson(rawBody);
    if (!body.ok) return { ok: false, reason: "malformed_body", detail: "body is not a JSON object" };
    return { ok: true, eventId: id, timestamp: when, body: body.value };
  }

  if (provider === "snap") {
    const ts = header(h, "x-timestamp");
    const sig = header(h, "x-signature");
    const ext = header(h, "x-external-id");
    if (!ts || !sig || !ext) return { ok: false, reason: "missing_headers", detail: "X-TIMESTAMP, X-SIGNATURE and X-EXTERNAL-ID are required" };
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(ts)) return { ok: false, reason: "bad_timestamp", detail: "X-TIMESTAMP must be ISO-8601 with an offset" };
    const when = new Date(ts);
    if (Number.isNaN(when.getTime())) return { ok: false, reason: "bad_timestamp", detail: "X-TIMESTAMP is not a date" };
    if (!withinWindow(when, now)) return { ok: false, reason: "stale_timestamp", detail: "X-TIMESTAMP is outside the 5-minute window" };
    const body = parseJson(rawBody);
    if (!body.ok) return { ok: false, reason: "malformed_body", detail: "body is not a JSON object" };
    let match = false;
    // Signed over the minified body (the SNAP rule), or over the body exactly as received (already minified by
    // the sender); constant work per candidate.
    const raws = minifyJson(rawBody) === rawBody ? [true] : [true, false];
    for (const secret of secrets) for (const minify of raws) if (safeEqual(signSnap(secret, input.method, input.path, rawBody, ts, { minify }), sig)) match = true;
    if (!match) return { ok: false, reason: "bad_signature", detail: "X-SIGNATURE does not match" };
    // X-EXTERNAL-ID is unique per day: the event id is the (UTC+7) day of the timestamp plus the external id.
    return { ok: true, eventId: `${ts.slice(0, 10)}:${ext}`, timestamp: when, body: body.value };
  }

  // xendit: a static callback token; dedupe on the event's object id (payments), id+status (payouts and the legacy
  // disbursement callbacks) or payment_id (the legacy fixed-VA payment callbacks).
  const token = header(h, "x-callback-token");
  if (!token) return { ok: false, reason: "missing_headers", detail: "x-callback-token is required" };
  let match = false;
  for (const secret of secrets) if (safeEqual(secret, token)) match = true;
  if (!match) return { ok: false, reason: "bad_signature", detail: "x-callback-token does not match" };
  const body = parseJson(rawBody);
  if (!body.ok) return { ok: false, reason: "malformed_body", detail: "body is not a JSON object" };
  const b = body.value as Record<string, unknown>;
  // Xendit's current APIs wrap the object in an event: {event: "payment.succeeded" | "payout.succeeded" | …, data}.
  const event = typeof b.event === "string" ? b.event : null;
  if (event !== null) {
    const data = typeof b.data === "object" && b.data !== null && !Array.isArray(b.data) ? (b.data as Record<string, unknown>) : null;
    const id = data && typeof data.id === "string" && data.id.length <= 200 ? data.id : null;
    if (!id) return { ok: false, reason: "malformed_body", detail: "data.id is required" };
    const st = typeof data!.status === "string" ? data!.status.slice(0, 40) : "";
    return { ok: true, eventId: event.startsWith("payout.") ? `payout:${id}:${st}` : `${event.split(".")[0]}:${id}`, timestamp: null, body: b };
  }
  const pid = typeof b.payment_id === "string" ? b.payment_id : null;
  const did = typeof b.id === "string" ? b.id : null;
  const status = typeof b.status === "string" ? b.status : "";
  const eventId = pid ? `payment:${pid}` : did ? `disbursement:${did}:${status}` : null;
  if (!eventId) return { ok: false, reason: "malformed_body", detail: "payment_id or id is required" };
  return { ok: true, eventId, timestamp: null, body: b };
}

// ---- provider payloads → normalised events -----------------------------------------------------------------------

export interface PaymentNotice {
  paymentId: string;
  vaNumber: string;
  amount: number;
  currency: string;
  paidAt: string;
}

export interface DisbursementNotice {
  /** Our disbursement reference (sent to the gateway as the idempotency/external id). */
  reference: string;
  status: "succeeded" | "failed";
  amount: number;
  completedAt: string;
  failureCode?: string;
}

export class PayloadError extends Error {}

/** "110000.00" / "110000" / 110000 → 110000; anything with non-zero sen or not a number is refused. */
export function parseRupiah(v: unknown): number {
  if (typeof v === "number") {
    if (Number.isSafeInteger(v) && v > 0) return v;
    throw new PayloadError(`amount ${v} is not a positive integer rupiah amount`);
  }
  if (typeof v === "string" && /^\d{1,15}(\.0{1,2})?$/.test(v)) {
    const n = Number(v.split(".")[0]);
    if (n > 0) return n;
  }
  throw new PayloadError(`amount ${JSON.stringify(v)} is not a positive integer rupiah amount`);
}

/** A member of a JSON object (own properties only; anything else has none). */
function member(o: unknown, key: string): unknown {
  return typeof o === "object" && o !== null && !Array.isArray(o) && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function str(o: unknown, key: string): string {
  const v = member(o, key);
  if (typeof v !== "string" || v.length === 0 || v.length > 200) throw new PayloadError(`${key} is required`);
  return v;
}

const optionalString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function isoDate(v: string, key: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new PayloadError(`${key} is not a date`);
  return d.toISOString();
}

export function parsePaymentNotice(provider: Provider, body: unknown): PaymentNotice {
  if (provider === "standard") {
    if (member(body, "type") !== "payment.succeeded") throw new PayloadError(`unsupported event type ${JSON.stringify(member(body, "type"))}`);
    const d = member(body, "data");
    return { paymentId: str(d, "payment_id"), vaNumber: str(d, "va_number"), amount: parseRupiah(member(d, "amount")), currency: str(d, "currency"), paidAt: isoDate(str(d, "paid_at"), "paid_at") };
  }
  if (provider === "snap") {
    const amt = member(body, "paidAmount");
    return {
      paymentId: str(body, "paymentRequestId"),
      vaNumber: str(body, "virtualAccountNo").trim(),
      amount: parseRupiah(member(amt, "value")),
      currency: str(amt, "currency"),
      paidAt: isoDate(str(body, "trxDateTime"), "trxDateTime"),
    };
  }
  const event = member(body, "event");
  if (event !== undefined) {
    // Payments API callback: {event: "payment.succeeded", data: Payment}; the VA is the payment method's.
    if (event !== "payment.succeeded") throw new PayloadError(`unsupported event ${JSON.stringify(event)}`);
    const d = member(body, "data");
    if (member(d, "status") !== "SUCCEEDED") throw new PayloadError(`unsupported payment status ${JSON.stringify(member(d, "status"))}`);
    const va = member(member(member(d, "payment_method"), "virtual_account"), "channel_properties");
    return {
      paymentId: str(d, "id"),
      vaNumber: str(va, "virtual_account_number"),
      amount: parseRupiah(member(d, "amount")),
      currency: str(d, "currency"),
      paidAt: isoDate(typeof member(d, "updated") === "string" ? str(d, "updated") : str(d, "created"), "updated"),
    };
  }
  return {
    paymentId: str(body, "payment_id"),
    vaNumber: str(body, "account_number"),
    amount: parseRupiah(member(body, "amount")),
    currency: typeof member(body, "currency") === "string" ? String(member(body, "currency")) : "IDR",
    paidAt: isoDate(str(body, "transaction_timestamp"), "transaction_timestamp"),
  };
}

export function parseDisbursementNotice(provider: Provider, body: unknown): DisbursementNotice {
  if (provider === "standard") {
    const t = member(body, "type");
    if (t !== "disbursement.succeeded" && t !== "disbursement.failed") throw new PayloadError(`unsupported event type ${JSON.stringify(t)}`);
    const d = member(body, "data");
    return {
      reference: str(d, "reference"),
      status: t === "disbursement.succeeded" ? "succeeded" : "failed",
      amount: parseRupiah(member(d, "amount")),
      completedAt: isoDate(str(d, "completed_at"), "completed_at"),
      failureCode: optionalString(member(d, "failure_code")),
    };
  }
  if (provider === "snap") {
    const st = str(body, "latestTransactionStatus");
    if (st !== "00" && st !== "06") throw new PayloadError(`unsupported latestTransactionStatus ${st}`);
    return {
      reference: str(body, "originalPartnerReferenceNo"),
      status: st === "00" ? "succeeded" : "failed",
      amount: parseRupiah(member(member(body, "amount"), "value")),
      completedAt: isoDate(str(body, "transactionDate"), "transactionDate"),
      failureCode: optionalString(member(body, "latestTransactionStatusDesc")),
    };
  }
  const event = member(body, "event");
  if (event !== undefined) {
    // Payouts API callback: {event: "payout.succeeded" | "payout.failed" | "payout.reversed", data: Payout}; our
    // reference is its reference_id (and the idempotency key it was created with).
    if (event !== "payout.succeeded" && event !== "payout.failed" && event !== "payout.reversed") throw new PayloadError(`unsupported event ${JSON.stringify(event)}`);
    const d = member(body, "data");
    const failureCode = optionalString(member(d, "failure_code"));
    return {
      reference: str(d, "reference_id"),
      status: event === "payout.succeeded" ? "succeeded" : "failed",
      amount: parseRupiah(member(d, "amount")),
      completedAt: isoDate(str(d, "updated"), "updated"),
      ...(failureCode || event === "payout.reversed" ? { failureCode: failureCode ?? "REVERSED" } : {}),
    };
  }
  const st = str(body, "status");
  if (st !== "COMPLETED" && st !== "FAILED") throw new PayloadError(`unsupported status ${st}`);
  return {
    reference: str(body, "external_id"),
    status: st === "COMPLETED" ? "succeeded" : "failed",
    amount: parseRupiah(member(body, "amount")),
    completedAt: isoDate(str(body, "updated"), "updated"),
    failureCode: optionalString(member(body, "failure_code")),
  };
}
