// POST /api/v1/auth/otp/request and /otp/verify: borrower sign-in by phone OTP.
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../http/app.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { clientIp, enforceRateLimit } from "../../http/rate-limit.ts";
import { requireAccess } from "../guard.ts";
import { requestMeta } from "../audit.ts";
import { normalizePhone } from "../phone.ts";
import { requestOtp, verifyOtp } from "../otp.ts";
import { issueTokens } from "../sessions.ts";
import { body, json, OtpChallengeSchema, OtpRequestSchema, OtpVerifySchema, problemResponses, TokenPairSchema } from "../schemas.ts";

export function registerOtpRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/otp/request",
      tags: ["auth"],
      summary: "Send a 6-digit sign-in code by SMS",
      description: "Public. 3 requests/min per phone and 10/min per IP; one code per phone every 60 s. The code lives 5 minutes.",
      middleware: [requireAccess("public")],
      request: body(OtpRequestSchema),
      responses: { 202: json(OtpChallengeSchema, "Code sent"), ...problemResponses(400, 422, 423, 429, 503) },
    }),
    async (c) => {
      const p = c.get("platform");
      await enforceRateLimit({ name: "otp-request-ip", limit: 10, windowSeconds: 60 }, clientIp(c));
      const phone = normalizePhone(c.req.valid("json").phone);
      if (!phone) throw problems.validation([{ path: "phone", message: "not an Indonesian mobile number (08…, 628… or +628…)", code: "invalid_phone" }]);
      await enforceRateLimit({ name: "otp-request-phone", limit: 3, windowSeconds: 60 }, phone);
      const out = await requestOtp(p, phone, requestMeta(c));
      if (!out.ok && out.reason === "locked") {
        throw new HttpProblem(423, "otp-locked", "Phone locked", "Too many wrong codes for this phone; try again later", { retryAfter: out.retryAfterSeconds }, { "Retry-After": String(out.retryAfterSeconds) });
      }
      if (!out.ok && out.reason === "daily-limit") {
        throw new HttpProblem(429, "otp-daily-limit", "Too many codes today", `This phone received the daily maximum of codes; retry in ${out.retryAfterSeconds} s`, { retryAfter: out.retryAfterSeconds }, { "Retry-After": String(out.retryAfterSeconds) });
      }
      if (!out.ok) {
        throw new HttpProblem(429, "otp-cooldown", "Wait before asking for another code", `A code was sent less than 60 s ago; retry in ${out.retryAfterSeconds} s`, { retryAfter: out.retryAfterSeconds }, { "Retry-After": String(out.retryAfterSeconds) });
      }
      return c.json({ challengeId: out.challengeId, expiresAt: out.expiresAt }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/otp/verify",
      tags: ["auth"],
      summary: "Exchange the SMS code for tokens (creates the borrower on first sign-in)",
      description: "Public. 5 wrong codes kill the challenge. 30 requests/min per IP.",
      middleware: [requireAccess("public")],
      request: body(OtpVerifySchema),
      responses: { 200: json(TokenPairSchema, "Signed in"), ...problemResponses(401, 403, 422, 423, 429) },
    }),
    async (c) => {
      const p = c.get("platform");
      await enforceRateLimit({ name: "otp-verify-ip", limit: 30, windowSeconds: 60 }, clientIp(c));
      const { challengeId, code } = c.req.valid("json");
      const out = verifyOtp(p, challengeId, code, requestMeta(c));
      if (!out.ok) {
        if (out.reason === "invalid") {
          throw new HttpProblem(401, "otp-invalid", "Wrong code", out.attemptsRemaining > 0 ? "The code is not correct" : "The code is not correct; no attempts left, request a new code", { attemptsRemaining: out.attemptsRemaining });
        }
        if (out.reason === "locked") {
          throw new HttpProblem(423, "otp-locked", "Phone locked", "Too many wrong codes for this phone; try again later", { retryAfter: out.retryAfterSeconds }, { "Retry-After": String(out.retryAfterSeconds) });
        }
        if (out.reason === "expired") throw new HttpProblem(401, "otp-expired", "Code expired", "The challenge is unknown, used, expired or out of attempts; request a new code");
        throw problems.forbidden(out.reason === "disabled" ? "This account is disabled" : "Staff sign in with email and password");
      }
      return c.json(await issueTokens(p, out.user, out.sessionId, out.refreshToken), 200);
    },
  );
}
