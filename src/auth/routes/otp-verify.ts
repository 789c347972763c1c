// POST /api/v1/auth/otp/verify: exchange the SMS code for tokens (creates the borrower on first sign-in). Five wrong
// codes kill the challenge; repeated wrong codes lock the phone.
import { declareRoute } from "../../http/route.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { metaOf } from "../audit.ts";
import { verifyOtp } from "../otp.ts";
import { issueTokens } from "../sessions.ts";
import { OtpVerifySchema, TokenPairSchema } from "../schemas.ts";
import { perIp } from "./limits.ts";

export const otpVerifyRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/otp/verify",
  tags: ["auth"],
  summary: "Exchange the SMS code for tokens (creates the borrower on first sign-in)",
  description: "Public. 5 wrong codes kill the challenge. 30 requests/min per IP.",
  access: "public",
  rateLimit: perIp("otp-verify-ip", 30),
  request: { body: OtpVerifySchema },
  responses: {
    200: { description: "Signed in", schema: TokenPairSchema },
    401: { description: "Wrong code (`attemptsRemaining`), or the challenge is unknown, used, expired or out of attempts", example: { type: "https://kreditku.dev/problems/otp-invalid", title: "Wrong code", status: 401, detail: "The code is not correct", attemptsRemaining: 4 } },
    403: { description: "The account is disabled, or belongs to staff (they sign in with email and password)" },
    423: { description: "Too many wrong codes for this phone: locked (Retry-After)" },
  },
  handler: async (req, platform) => {
    const out = verifyOtp(platform, req.body.challengeId, req.body.code, metaOf(req));
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
    return { status: 200, body: await issueTokens(platform, out.user, out.sessionId, out.refreshToken) };
  },
});
