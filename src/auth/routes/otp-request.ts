// POST /api/v1/auth/otp/request: send a borrower a 6-digit sign-in code by SMS, or by WhatsApp when they choose it and
// the server has it configured (per-IP and per-phone limits, one code per phone every 60 s, a daily maximum, and the
// lock after repeated wrong codes).
import { declareRoute } from "../../http/route.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { metaOf } from "../audit.ts";
import { normalizePhone } from "../phone.ts";
import { requestOtp } from "../otp.ts";
import { authServices } from "../services.ts";
import { OtpChallengeSchema, OtpRequestSchema } from "../schemas.ts";
import { perIp } from "./limits.ts";

const retryLater = (status: number, slug: string, title: string, detail: string, retryAfter: number) =>
  new HttpProblem(status, slug, title, detail, { retryAfter }, { "Retry-After": String(retryAfter) });

export const otpRequestRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/otp/request",
  tags: ["auth"],
  summary: "Send a 6-digit sign-in code by SMS or WhatsApp",
  description: "Public. `channel`: sms (default) or whatsapp (422 `channel` when the server has no WhatsApp). 3 requests/min per phone and 10/min per IP; one code per phone every 60 s. The code lives 5 minutes.",
  access: "public",
  rateLimit: [perIp("otp-request-ip", 10), { name: "otp-request-phone", key: (req) => normalizePhone(req.body.phone), limit: 3, windowSeconds: 60 }],
  request: { body: OtpRequestSchema },
  responses: {
    202: { description: "Code sent", schema: OtpChallengeSchema },
    423: { description: "Too many wrong codes for this phone: locked for the hour (Retry-After)", example: { type: "https://kreditku.dev/problems/otp-locked", title: "Phone locked", status: 423, detail: "Too many wrong codes for this phone; try again later", retryAfter: 1800 } },
    429: { description: "Rate limited, a code sent less than 60 s ago (`otp-cooldown`) or the daily maximum reached (`otp-daily-limit`); Retry-After", headers: { "Retry-After": { description: "Seconds to wait", example: "42" } } },
    503: { description: "The SMS provider is unavailable; retry" },
  },
  handler: async (req, platform) => {
    const phone = normalizePhone(req.body.phone);
    if (!phone) throw problems.validation([{ path: "phone", message: "not an Indonesian mobile number (08…, 628… or +628…)", code: "invalid_phone" }]);
    const channel = req.body.channel ?? "sms";
    if (!(authServices(platform).sms.channels ?? ["sms"]).includes(channel)) throw problems.validation([{ path: "channel", message: `${channel} is not available on this server`, code: "channel_unavailable" }]);
    const out = await requestOtp(platform, phone, metaOf(req), channel);
    if (!out.ok && out.reason === "locked") throw retryLater(423, "otp-locked", "Phone locked", "Too many wrong codes for this phone; try again later", out.retryAfterSeconds);
    if (!out.ok && out.reason === "daily-limit") {
      throw retryLater(429, "otp-daily-limit", "Too many codes today", `This phone received the daily maximum of codes; retry in ${out.retryAfterSeconds} s`, out.retryAfterSeconds);
    }
    if (!out.ok) throw retryLater(429, "otp-cooldown", "Wait before asking for another code", `A code was sent less than 60 s ago; retry in ${out.retryAfterSeconds} s`, out.retryAfterSeconds);
    return { status: 202, body: { challengeId: out.challengeId, expiresAt: out.expiresAt } };
  },
});
