// Route guards: every route declares who may call it (DESIGN §3). The auth module's `authenticate`
// middleware sets c.get("user") from a valid access token; these guards only read it.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/types.ts";
import type { Access } from "../runtime/types.ts";
import { problems } from "../http/problem.ts";

export function requireAccess(access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (access === "public") return next();
    const user = c.get("user");
    if (!user) throw problems.unauthorized();
    if (access !== "authenticated" && !access.includes(user.role)) throw problems.forbidden(`This needs one of the roles: ${access.join(", ")}`);
    return next();
  };
}
