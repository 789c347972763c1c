// POST /api/v1/auth/sms/status/twilio: Twilio reports a message's delivery (its StatusCallback, form-encoded:
// MessageSid, MessageStatus, ErrorCode…), signed X-Twilio-Signature with our auth token over the public URL and the
// parameters. The status is stored on the message (sms_messages) and counted; a final status also fetches the
// message for its price (the cost counter). Register nothing at Twilio: every message names this URL when the
// server has a public URL.
import { declareRoute } from "../../http/route.ts";
import { HttpProblem } from "../../http/problem.ts";
import { z } from "@hono/zod-openapi";
import { authServices } from "../services.ts";
import { OtpSender, TWILIO_STATUS_PATH } from "../sms/port.ts";
import { TwilioSms } from "../sms/twilio.ts";
import { SmsRecorder } from "../sms/record.ts";

const FINAL = new Set(["delivered", "undelivered", "failed", "read"]);

const TwilioStatus = z
  .object({
    MessageSid: z.string(),
    MessageStatus: z.string().openapi({ description: "queued, sending, sent, delivered, undelivered, failed, …" }),
    ErrorCode: z.string().optional(),
    AccountSid: z.string(),
    To: z.string().optional(),
    From: z.string().optional(),
  })
  .openapi("TwilioStatusCallback", { example: { MessageSid: "SM0123456789abcdef0123456789abcdef", MessageStatus: "delivered", AccountSid: "AC0123456789abcdef0123456789abcdef", To: "+6281234567890" } });

export const smsStatusRoute = declareRoute({
  method: "post",
  path: TWILIO_STATUS_PATH,
  tags: ["auth"],
  summary: "Twilio reports an SMS's delivery status",
  description: "Form-encoded (application/x-www-form-urlencoded) as Twilio sends it; verified by X-Twilio-Signature.",
  access: "public",
  rateLimit: { name: "sms-status", key: "ip", limit: 600, windowSeconds: 60 },
  request: { raw: { limitBytes: 16 * 1024 } },
  openapi: {
    webhooks: [
      {
        name: "sms-status.twilio",
        summary: "SMS delivery status (Twilio StatusCallback)",
        description: "Sent form-encoded; the fields are those below.",
        headers: { "X-Twilio-Signature": { description: "base64 HMAC-SHA1(auth token, URL + sorted parameter names and values)", example: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", required: true } },
        payload: TwilioStatus,
        example: { MessageSid: "SM0123456789abcdef0123456789abcdef", MessageStatus: "delivered", AccountSid: "AC0123456789abcdef0123456789abcdef", To: "+6281234567890" },
      },
    ],
  },
  responses: {
    204: { description: "Recorded" },
    401: { description: "X-Twilio-Signature does not match" },
    404: { description: "The server does not send through Twilio, or the message is not one of ours" },
  },
  handler: async (req, platform) => {
    const port = authServices(platform).sms;
    const twilio = port instanceof OtpSender && port.sms instanceof TwilioSms ? port.sms : null;
    if (!twilio || !platform.config.publicUrl) throw new HttpProblem(404, "not-found", "Not found", "This server does not send SMS through Twilio");
    const params = new URLSearchParams(req.rawBody);
    const url = `${platform.config.publicUrl.replace(/\/+$/, "")}${TWILIO_STATUS_PATH}${req.url.search}`;
    if (!twilio.verifyCallback(url, params, req.headers.get("x-twilio-signature"))) throw new HttpProblem(401, "unauthorized", "Not verified", "X-Twilio-Signature does not match");
    const sid = params.get("MessageSid");
    const status = params.get("MessageStatus") ?? params.get("SmsStatus");
    if (!sid || !status) throw new HttpProblem(400, "bad-request", "Bad request", "MessageSid and MessageStatus are required");
    const known = new SmsRecorder(platform).status("twilio", sid, { status, errorCode: params.get("ErrorCode") });
    if (!known) throw new HttpProblem(404, "not-found", "Not found", "No such message");
    if (FINAL.has(status)) {
      try {
        await twilio.fetchStatus(sid);
      } catch (err) {
        platform.log.warn("sms price not fetched", { sid, err: err as Error });
      }
    }
    return { status: 204 };
  },
});
