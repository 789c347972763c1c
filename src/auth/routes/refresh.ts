// POST /api/v1/auth/refresh: rotate a refresh token for a new pair; a rotated token presented again revokes the
// whole session.
import { declareRoute } from "../../http/route.ts";
import { HttpProblem } from "../../http/problem.ts";
import { metaOf } from "../audit.ts";
import { issueTokens, rotateRefreshToken } from "../sessions.ts";
import { RefreshSchema, TokenPairSchema } from "../schemas.ts";
import { perIp } from "./limits.ts";

export const refreshRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/refresh",
  tags: ["auth"],
  summary: "Rotate a refresh token for a new token pair",
  description: "Public. Every refresh token works once; presenting a rotated one again revokes the whole session (401).",
  access: "public",
  rateLimit: perIp("refresh-ip", 60),
  request: { body: RefreshSchema },
  responses: {
    200: { description: "New tokens", schema: TokenPairSchema },
    401: { description: "The refresh token is unknown, expired, revoked, or was used before (then the session is revoked)", example: { type: "https://kreditku.dev/problems/refresh-token-reused", title: "Refresh token reused", status: 401, detail: "This refresh token was already used; the session has been revoked" } },
  },
  handler: async (req, platform) => {
    const out = rotateRefreshToken(platform, req.body.refreshToken, metaOf(req));
    if (!out.ok) {
      if (out.reason === "reused") throw new HttpProblem(401, "refresh-token-reused", "Refresh token reused", "This refresh token was already used; the session has been revoked");
      throw new HttpProblem(401, "refresh-token-invalid", "Refresh token refused", `The refresh token is ${out.reason}`);
    }
    return { status: 200, body: await issueTokens(platform, out.user, out.sessionId, out.refreshToken) };
  },
});
