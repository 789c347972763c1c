// POST /api/v1/auth/logout: end the caller's session (its access and refresh tokens stop working).
import { declareRoute } from "../../http/route.ts";
import { audit, metaOf } from "../audit.ts";
import { revokeSession } from "../sessions.ts";
import { AUTH_USER_LIMIT } from "./limits.ts";

export const logoutRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/logout",
  tags: ["auth"],
  summary: "End the current session (its access and refresh tokens stop working)",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  responses: { 204: { description: "Signed out" } },
  handler: (req, platform) => {
    const user = req.user!;
    const now = platform.clock.now();
    platform.db.tx((w) => {
      revokeSession(w, user.sessionId!, "logout", now);
      audit(w, { event: "logout", userId: user.id, ...metaOf(req), at: now, details: { sessionId: user.sessionId } });
    });
    return { status: 204 };
  },
});
