// Route guards: every route declares who may call it (DESIGN §3). The auth module's `authenticate`
// middleware sets c.get("user") from a valid access token; these guards only read it.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, AuthUser } from "../http/types.ts";
import type { Access } from "../http/route.ts";
import { problems } from "../http/problem.ts";
import { rateLimit } from "../http/rate-limit.ts";
import { authFailure } from "./authenticate.ts";

/** Throw the 401 (no or refused token) or 403 (another role) a route of this access answers the request with. */
export function checkAccess(access: Access, c: Context<AppEnv>): void {
  if (access === "public") return;
  const user = c.get("user");
  if (!user) {
    const why = authFailure(c);
    throw problems.unauthorized(why ? `Access token refused: ${why}` : undefined);
  }
  if (access !== "authenticated" && !access.includes(user.role)) throw problems.forbidden(`This needs one of the roles: ${access.join(", ")}`);
}

/** The access check as a middleware (declared routes run checkAccess inside their handler, src/http/mount.ts). */
export function requireAccess(access: Access): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    checkAccess(access, c);
    return next();
  };
}

/** Per-subject limit for signed-in routes (place after requireAccess): `limit` calls per minute per user. */
export function perUserLimit(name: string, limit = 60): MiddlewareHandler<AppEnv> {
  return rateLimit({ name, limit, windowSeconds: 60, key: (c) => c.get("user")?.id ?? "anonymous" });
}

export const STAFF: AuthUser["role"][] = ["analyst", "finance", "admin"];

export function isStaff(user: AuthUser | undefined): boolean {
  return !!user && user.role !== "borrower";
}

/** May this user see a row owned by ownerId? Staff see every row; a borrower only their own. */
export function canAccessOwned(user: AuthUser | undefined, ownerId: string | null | undefined): boolean {
  if (!user) return false;
  if (user.role !== "borrower") return true;
  return !!ownerId && ownerId === user.id;
}

/**
 * Owner check for borrower rows: returns the row, or throws 404 when it is missing OR belongs to another
 * borrower (the same answer, so ids do not leak existence). Staff pass.
 *   const item = requireOwned(user, db.get("SELECT * FROM items WHERE id = ?", id), "Item");
 */
export function requireOwned<T extends object>(
  user: AuthUser | undefined,
  row: T | null | undefined,
  what = "Resource",
  owner: (row: T) => string | null | undefined = (r) => (r as { user_id?: string }).user_id,
): T {
  if (!row || !canAccessOwned(user, owner(row))) throw problems.notFound(what);
  return row;
}

/** For list queries: the user id a borrower's rows must be filtered by, or null for staff (all rows). */
export function ownerScope(user: AuthUser): string | null {
  return user.role === "borrower" ? user.id : null;
}
