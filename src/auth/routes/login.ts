// POST /api/v1/auth/login: staff sign-in with email and password (Argon2id), with per-IP and per-IP+email limits and
// the account lockout (423).
import { declareRoute } from "../../http/route.ts";
import { HttpProblem } from "../../http/problem.ts";
import { metaOf } from "../audit.ts";
import { passwordLogin } from "../password-login.ts";
import { normalizeEmail } from "../staff.ts";
import { issueTokens } from "../sessions.ts";
import { LoginSchema, TokenPairSchema } from "../schemas.ts";
import { perIp } from "./limits.ts";

export const loginRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/login",
  tags: ["auth"],
  summary: "Staff sign-in with email and password",
  description: "Public. 5 attempts/min per IP+email. 5 failures within 15 minutes lock the account for 15 minutes (423).",
  access: "public",
  rateLimit: [perIp("login-ip", 30), { name: "login-ip-email", key: (req) => `${req.ip}|${normalizeEmail(req.body.email)}`, limit: 5, windowSeconds: 60 }],
  request: { body: LoginSchema },
  responses: {
    200: { description: "Signed in", schema: TokenPairSchema },
    401: { description: "Email or password is wrong", example: { type: "https://kreditku.dev/problems/invalid-credentials", title: "Invalid credentials", status: 401, detail: "Email or password is wrong" } },
    423: { description: "Account locked after repeated failures (Retry-After)" },
  },
  handler: async (req, platform) => {
    const out = await passwordLogin(platform, req.body.email, req.body.password, metaOf(req));
    if (!out.ok) {
      if (out.reason === "locked") {
        throw new HttpProblem(423, "account-locked", "Account locked", `Too many failed sign-ins; try again in ${out.retryAfterSeconds} s`, { retryAfter: out.retryAfterSeconds }, { "Retry-After": String(out.retryAfterSeconds) });
      }
      throw new HttpProblem(401, "invalid-credentials", "Invalid credentials", "Email or password is wrong");
    }
    return { status: 200, body: await issueTokens(platform, out.user, out.sessionId, out.refreshToken) };
  },
});
