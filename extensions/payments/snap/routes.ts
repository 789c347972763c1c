// The bank-facing SNAP BI virtual-account flow (Bank Indonesia's standard, as banks run direct VAs):
//   POST /snap/v1.0/access-token/b2b     the bank gets a 15-minute bearer token: X-CLIENT-KEY, X-TIMESTAMP and
//                                        X-SIGNATURE = SHA256withRSA(`clientKey|timestamp`), checked with its public key
//   POST /snap/v1.0/transfer-va/inquiry  the bank asks what a VA owes (./amount-due.ts)
//   POST /snap/v1.0/transfer-va/payment  the bank reports a payment into a VA: applied once through the payments'
//                                        event path (webhook_events + applyPayment, ledger journal in the same tx)
// Transactional calls carry Authorization: Bearer <token>, X-TIMESTAMP, X-SIGNATURE = HMAC-SHA512 with our client
// secret over METHOD:relativeUrl:token:sha256(minified body):timestamp, X-PARTNER-ID, X-EXTERNAL-ID and CHANNEL-ID.
// X-EXTERNAL-ID is unique per partner and (Jakarta) day: the same id with the same request replays the first answer,
// with another request it is a conflict (409xx00). Every answer is SNAP JSON: responseCode + responseMessage.
import { createHash, randomBytes } from "node:crypto";
import { defineRoute, jakartaDate, z, type ExtensionContext } from "../deps.ts";
import type { RouteRequest } from "../../../src/runtime/index.ts";
import { SnapInquiryRequest, SnapInquiryResponse, SnapPaymentRequest, SnapPaymentResponse, SnapResponse, SnapTokenRequest, SnapTokenResponse } from "../../../schemas/payments.ts";
import { processVerifiedEvent } from "../events.ts";
import { CONFLICTING_RESEND } from "../settlement.ts";
import { minifyJson, parseRupiah, PayloadError } from "../verify.ts";
import { amountDue } from "./amount-due.ts";
import { currentSnapCredentials } from "./credentials.ts";
import { checkTimestamp, snapAnswer, snapMoney, vaNumberOf, verifyTokenSignature, verifyTransaction, type SnapAnswer, type SnapService } from "./protocol.ts";

export const TOKEN_TTL_SECONDS = 900;
const BODY_LIMIT = 16 * 1024;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

const err = (description: string) => ({ description, schema: SnapResponse, contentType: "application/json" });
const SNAP_ERRORS = {
  400: err("Malformed request: responseCode 400xx01 (invalid field format) or 400xx02 (a mandatory header or field missing)"),
  401: err("Not authenticated: 401xx00 (signature, partner, stale X-TIMESTAMP, SNAP not configured) or 401xx01 (token unknown or expired)"),
};
const TX_ERRORS = {
  ...SNAP_ERRORS,
  404: err("404xx12 unknown VA, 404xx13 invalid amount, 404xx14 paid bill, 404xx18 inconsistent request"),
  409: err("409xx00: the X-EXTERNAL-ID was used today with another request"),
};

const header = (description: string, example: string) => ({ description, example, required: true });
const TX_HEADERS = {
  Authorization: header("Bearer <accessToken> from the access-token call", "Bearer snap_4bJ6kQyU1c9Xr2o0YQp7WmZkS3Vt8aFh"),
  "X-TIMESTAMP": header("The bank's local time, yyyy-MM-ddTHH:mm:ssTZD, within 5 minutes", "2026-03-02T10:00:00+07:00"),
  "X-SIGNATURE": header("base64 HMAC-SHA512(clientSecret, METHOD:relativeUrl:accessToken:hex(SHA-256(minified body)):X-TIMESTAMP)", "kR0v…=="),
  "X-PARTNER-ID": header("The partner id agreed with the bank", "KREDITKU01"),
  "X-EXTERNAL-ID": header("Unique per day; repeated with the same body it replays the answer", "41807553358950093184"),
  "CHANNEL-ID": header("The bank's channel", "95231"),
};

type Req = RouteRequest<unknown, unknown, unknown>;
type Answer = SnapAnswer<Record<string, unknown>>;

/** The body as a JSON object, or an answer refusing it. */
function jsonObject(service: SnapService, raw: string): Record<string, unknown> | Answer {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  return snapAnswer(service, "invalidFormat", undefined, "body is not a JSON object");
}
const isAnswer = (v: unknown): v is Answer => typeof v === "object" && v !== null && "status" in v && "body" in v && typeof (v as Answer).body?.responseCode === "string";

/** The body validated by its schema; a missing field is 400xx02, another problem 400xx01, naming the field. */
function validated<T>(service: SnapService, schema: z.ZodType<T>, body: Record<string, unknown>): T | Answer {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join(".") || "body";
  const missing = issue.code === "invalid_type" && body !== undefined && issue.path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[String(k)] : undefined), body) === undefined;
  return snapAnswer(service, missing ? "missingField" : "invalidFormat", undefined, field);
}

const log = (ctx: ExtensionContext, service: SnapService, req: Req, a: Answer) => {
  ctx.metrics.counter("kreditku_snap_requests_total", "SNAP BI calls from the bank by service and responseCode", ["service", "code"]).inc({ service, code: a.body.responseCode });
  if (a.status >= 400) ctx.log.warn("snap request refused", { requestId: req.requestId, ip: req.ip, service, responseCode: a.body.responseCode, responseMessage: a.body.responseMessage });
};

// ---- access token --------------------------------------------------------------------------------------------------

function issueToken(req: Req, ctx: ExtensionContext): Answer {
  const creds = currentSnapCredentials(ctx);
  if (!creds) return snapAnswer("token", "unauthorized", undefined, "SNAP BI is not configured");
  const ts = req.headers.get("x-timestamp");
  const clientKey = req.headers.get("x-client-key");
  const signature = req.headers.get("x-signature");
  for (const [name, v] of [["X-TIMESTAMP", ts], ["X-CLIENT-KEY", clientKey], ["X-SIGNATURE", signature]] as const) if (!v) return snapAnswer("token", "missingField", undefined, name);
  const now = ctx.clock.now();
  const when = checkTimestamp(ts, now);
  if (when === "bad") return snapAnswer("token", "invalidFormat", undefined, "X-TIMESTAMP");
  if (when === "stale") return snapAnswer("token", "unauthorized", undefined, "X-TIMESTAMP outside the 5-minute window");
  if (clientKey !== creds.clientKey) return snapAnswer("token", "unauthorized", undefined, "Unknown client");
  if (!verifyTokenSignature(creds.bankPublicKey, clientKey!, ts!, signature!)) return snapAnswer("token", "unauthorized", undefined, "Signature");
  const body = jsonObject("token", req.rawBody);
  if (isAnswer(body)) return body;
  const ok = validated("token", SnapTokenRequest, body);
  if (isAnswer(ok)) return ok;
  const token = `snap_${randomBytes(32).toString("base64url")}`;
  const at = now.toISOString();
  ctx.tx((t) => {
    t.run("DELETE FROM snap_access_tokens WHERE expires_at < ?", at);
    // X-EXTERNAL-ID is unique per day: a week of answers is more than any bank retries
    t.run("DELETE FROM snap_requests WHERE created_at < ?", new Date(now.getTime() - 7 * 86_400_000).toISOString());
    t.run("INSERT INTO snap_access_tokens (token_hash, client_key, expires_at, created_at) VALUES (?, ?, ?, ?)", sha256(token), clientKey, new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000).toISOString(), at);
  });
  return snapAnswer("token", "success", { accessToken: token, tokenType: "BearerToken", expiresIn: String(TOKEN_TTL_SECONDS) });
}

// ---- transactional calls -------------------------------------------------------------------------------------------

interface Authenticated {
  partnerId: string;
  externalId: string;
  body: Record<string, unknown>;
  now: Date;
}

/** Headers, timestamp, token, partner, signature and body, in that order; the first failure is the answer. */
function authenticate(service: SnapService, req: Req, ctx: ExtensionContext): Authenticated | Answer {
  const creds = currentSnapCredentials(ctx);
  if (!creds) return snapAnswer(service, "unauthorized", undefined, "SNAP BI is not configured");
  const h = (n: string) => req.headers.get(n);
  for (const name of ["Authorization", "X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID"]) if (!h(name)) return snapAnswer(service, "missingField", undefined, name);
  const auth = /^Bearer\s+(\S+)$/i.exec(h("authorization")!);
  if (!auth) return snapAnswer(service, "invalidFormat", undefined, "Authorization");
  const externalId = h("x-external-id")!;
  if (!/^[0-9A-Za-z._-]{1,36}$/.test(externalId)) return snapAnswer(service, "invalidFormat", undefined, "X-EXTERNAL-ID");
  const now = ctx.clock.now();
  const ts = h("x-timestamp")!;
  const when = checkTimestamp(ts, now);
  if (when === "bad") return snapAnswer(service, "invalidFormat", undefined, "X-TIMESTAMP");
  if (when === "stale") return snapAnswer(service, "unauthorized", undefined, "X-TIMESTAMP outside the 5-minute window");
  const token = auth[1];
  const row = ctx.db.get<{ expires_at: string }>("SELECT expires_at FROM snap_access_tokens WHERE token_hash = ? AND client_key = ?", sha256(token), creds.clientKey);
  if (!row || row.expires_at <= now.toISOString()) return snapAnswer(service, "invalidToken", undefined, undefined);
  if (h("x-partner-id") !== creds.partnerId) return snapAnswer(service, "unauthorized", undefined, "Unknown X-PARTNER-ID");
  let minifiable = true;
  try {
    minifyJson(req.rawBody);
  } catch {
    minifiable = false;
  }
  if (!minifiable) return snapAnswer(service, "invalidFormat", undefined, "body is not JSON");
  const relativeUrl = req.url.pathname + req.url.search;
  if (!verifyTransaction(creds.clientSecrets, h("x-signature")!, req.method, relativeUrl, token, req.rawBody, ts)) return snapAnswer(service, "unauthorized", undefined, "Signature");
  const body = jsonObject(service, req.rawBody);
  if (isAnswer(body)) return body;
  return { partnerId: creds.partnerId, externalId, body, now };
}

/**
 * Answer an authenticated call once per X-EXTERNAL-ID and day: a repeat of the same request replays the stored
 * answer, another request under it is a conflict; otherwise `answer` runs and its answer is stored, in one
 * transaction (the payment's effect and its record commit together).
 */
function once(service: SnapService, a: Authenticated, ctx: ExtensionContext, answer: (t: Parameters<Parameters<ExtensionContext["tx"]>[0]>[0]) => Answer): Answer {
  const day = jakartaDate(a.now);
  const requestHash = sha256(`${service}\n${JSON.stringify(a.body)}`);
  return ctx.tx((t) => {
    const prior = t.get<{ service: string; request_hash: string; http_status: number; response: string }>(
      "SELECT service, request_hash, http_status, response FROM snap_requests WHERE partner_id = ? AND external_id = ? AND day = ?",
      a.partnerId,
      a.externalId,
      day,
    );
    if (prior) {
      if (prior.service === service && prior.request_hash === requestHash) return { status: prior.http_status, body: JSON.parse(prior.response) } as Answer;
      return snapAnswer(service, "conflict", undefined, "X-EXTERNAL-ID already used today for another request");
    }
    const out = answer(t);
    t.run(
      "INSERT INTO snap_requests (partner_id, external_id, day, service, request_hash, http_status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      a.partnerId,
      a.externalId,
      day,
      service,
      requestHash,
      out.status,
      JSON.stringify(out.body),
      a.now.toISOString(),
    );
    return out;
  });
}

const SUCCESS_REASON = { english: "Success", indonesia: "Sukses" };

function inquiry(req: Req, ctx: ExtensionContext): Answer {
  const a = authenticate("inquiry", req, ctx);
  if (isAnswer(a)) return a;
  const body = validated("inquiry", SnapInquiryRequest, a.body);
  if (isAnswer(body)) return body;
  return once("inquiry", a, ctx, (t) => {
    const va = vaNumberOf(body);
    const due = va ? amountDue(t, va, "snap", a.now) : ({ ok: false, reason: "unknown_virtual_account" } as const);
    if (!due.ok) return snapAnswer("inquiry", due.reason === "paid" ? "paidBill" : "notFound");
    return snapAnswer("inquiry", "success", {
      virtualAccountData: {
        partnerServiceId: body.partnerServiceId,
        customerNo: body.customerNo,
        virtualAccountNo: body.virtualAccountNo,
        virtualAccountName: due.name,
        inquiryRequestId: body.inquiryRequestId,
        totalAmount: snapMoney(due.amount),
        virtualAccountTrxType: "O",
        inquiryStatus: "00",
        inquiryReason: SUCCESS_REASON,
      },
    });
  });
}

const KEPT = ["content-type", "user-agent", "x-timestamp", "x-signature", "x-external-id", "x-partner-id", "channel-id"];

function payment(req: Req, ctx: ExtensionContext): Answer {
  const a = authenticate("payment", req, ctx);
  if (isAnswer(a)) return a;
  const body = validated("payment", SnapPaymentRequest, a.body);
  if (isAnswer(body)) return body;
  try {
    parseRupiah(body.paidAmount.value);
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    return snapAnswer("payment", "invalidAmount", undefined, "paidAmount must be whole rupiah");
  }
  if (body.paidAmount.currency !== "IDR") return snapAnswer("payment", "invalidAmount", undefined, "currency must be IDR");
  if (Number.isNaN(new Date(body.trxDateTime).getTime())) return snapAnswer("payment", "invalidFormat", undefined, "trxDateTime");
  const headers: Record<string, string> = {};
  for (const k of KEPT) {
    const v = req.headers.get(k);
    if (v !== null) headers[k] = v.slice(0, 512);
  }
  return once("payment", a, ctx, (t) => {
    const va = vaNumberOf(body);
    const known = va ? t.get<{ provider: string }>("SELECT provider FROM virtual_accounts WHERE va_number = ?", va) : undefined;
    // The bank reverses a payment we refuse: an unknown VA is refused (nothing recorded), never held in suspense.
    if (!va || known?.provider !== "snap") return snapAnswer("payment", "notFound");
    const notice = { ...body, virtualAccountNo: va };
    const out = processVerifiedEvent(t, { provider: "snap", kind: "payment", eventId: `va-payment:${body.paymentRequestId}`, body: notice, rawBody: JSON.stringify(notice), headers, now: a.now });
    const result = out.result as { paymentId?: string; reason?: string };
    if (out.status === "rejected") return snapAnswer("payment", "invalidFormat", undefined, String((out.result as { detail?: string }).detail ?? "payload"));
    if (out.status === "needs_attention" && result.reason === CONFLICTING_RESEND) return snapAnswer("payment", "inconsistent", undefined, "paymentRequestId already reported with other facts");
    return snapAnswer("payment", "success", {
      virtualAccountData: {
        partnerServiceId: body.partnerServiceId,
        customerNo: body.customerNo,
        virtualAccountNo: body.virtualAccountNo,
        virtualAccountName: body.virtualAccountName ?? "",
        paymentRequestId: body.paymentRequestId,
        paidAmount: body.paidAmount,
        trxDateTime: body.trxDateTime,
        ...(body.referenceNo ? { referenceNo: body.referenceNo } : {}),
        paymentFlagStatus: "00",
        paymentFlagReason: SUCCESS_REASON,
      },
      additionalInfo: { paymentId: result.paymentId ?? null, status: out.status },
    });
  });
}

// ---- declarations ----------------------------------------------------------------------------------------------------

const tags = ["SNAP BI"];
const rateLimit = { name: "snap-bank", key: "ip" as const, limit: 600, windowSeconds: 60 };
const run = (service: SnapService, fn: (req: Req, ctx: ExtensionContext) => Answer) => (req: Req, ctx: ExtensionContext) => {
  const a = fn(req, ctx);
  log(ctx, service, req, a);
  return a as never;
};

export const snapTokenRoute = defineRoute({
  method: "post",
  path: "/snap/v1.0/access-token/b2b",
  summary: "SNAP BI: the bank gets a B2B access token",
  description: "Signed with the bank's private key (SHA256withRSA over `clientKey|X-TIMESTAMP`), checked with its public key. The token lives 900 s.",
  tags,
  access: "public",
  rateLimit,
  request: { raw: { limitBytes: BODY_LIMIT } },
  openapi: {
    webhooks: [
      {
        name: "snap.access-token",
        summary: "The bank asks for a B2B access token",
        headers: {
          "X-TIMESTAMP": header("The bank's local time, yyyy-MM-ddTHH:mm:ssTZD, within 5 minutes", "2026-03-02T10:00:00+07:00"),
          "X-CLIENT-KEY": header("The client key agreed with the bank", "KREDITKU-CLIENT"),
          "X-SIGNATURE": header("base64 SHA256withRSA(`X-CLIENT-KEY|X-TIMESTAMP`) with the bank's private key", "pO1u…=="),
        },
        payload: SnapTokenRequest,
        example: { grantType: "client_credentials" },
      },
    ],
  },
  responses: { 200: { description: "responseCode 2007300: the token", schema: SnapTokenResponse }, ...SNAP_ERRORS },
  handler: run("token", issueToken),
});

export const snapInquiryRoute = defineRoute({
  method: "post",
  path: "/snap/v1.0/transfer-va/inquiry",
  summary: "SNAP BI: the bank asks what a virtual account owes",
  description: "The unpaid part of the instalments due up to today, or the next instalment's when none is due, less credit, at most the payoff (an open VA).",
  tags,
  access: "public",
  rateLimit,
  request: { raw: { limitBytes: BODY_LIMIT } },
  openapi: { webhooks: [{ name: "snap.va-inquiry", summary: "VA inquiry", headers: TX_HEADERS, payload: SnapInquiryRequest, example: SnapInquiryRequest.parse({ partnerServiceId: "    8808", customerNo: "000000000001", virtualAccountNo: "    8808000000000001", inquiryRequestId: "inq-20260302-000001" }) }] },
  responses: { 200: { description: "responseCode 2002400: the amount due", schema: SnapInquiryResponse }, ...TX_ERRORS },
  handler: run("inquiry", inquiry),
});

export const snapPaymentRoute = defineRoute({
  method: "post",
  path: "/snap/v1.0/transfer-va/payment",
  summary: "SNAP BI: the bank reports a payment into a virtual account",
  description: "Applied once per paymentRequestId (allocated to the loan, journal in the same transaction); an unknown VA is refused so the bank reverses it.",
  tags,
  access: "public",
  rateLimit,
  request: { raw: { limitBytes: BODY_LIMIT } },
  openapi: {
    webhooks: [
      {
        name: "snap.va-payment",
        summary: "VA payment notification",
        headers: TX_HEADERS,
        payload: SnapPaymentRequest,
        example: { partnerServiceId: "    8808", customerNo: "000000000001", virtualAccountNo: "    8808000000000001", paymentRequestId: "pay-20260302-000001", paidAmount: { value: "110000.00", currency: "IDR" }, trxDateTime: "2026-03-02T10:01:00+07:00" },
      },
    ],
  },
  responses: { 200: { description: "responseCode 2002500: the payment is recorded", schema: SnapPaymentResponse }, ...TX_ERRORS },
  handler: run("payment", payment),
});

export const SNAP_ROUTES = [snapTokenRoute, snapInquiryRoute, snapPaymentRoute];
