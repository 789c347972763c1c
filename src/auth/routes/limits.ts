// Rate limits shared by the auth routes. Signed-in auth routes share one per-user budget.
import type { RateLimitSpec } from "../../http/route.ts";

export const AUTH_USER_LIMIT = { name: "auth-user", key: "user", limit: 60, windowSeconds: 60 } as const satisfies RateLimitSpec;

/** A per-IP limit counted after the request is validated (a malformed request costs nothing). */
export const perIp = (name: string, limit: number): RateLimitSpec => ({ name, key: (req) => req.ip, limit, windowSeconds: 60 });
