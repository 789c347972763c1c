// GET /api/v1/auth/me: the signed-in user.
import { declareRoute } from "../../http/route.ts";
import { problems } from "../../http/problem.ts";
import type { Db } from "../../db/database.ts";
import { publicUser, USER_COLUMNS, type PublicUser, type UserRow } from "../sessions.ts";
import { commitWatch } from "../token-cache.ts";
import { UserSchema } from "../schemas.ts";
import { AUTH_USER_LIMIT } from "./limits.ts";

/** How many users' answers are remembered between two commits. */
export const ME_CACHE_SIZE = 10_000;

/**
 * Answers read since the last commit to the database (any connection, any process: token-cache.ts). Any commit
 * empties it, so a changed name, phone or e-mail is answered at once; on a database without a WAL index nothing
 * is remembered.
 */
const answers = new WeakMap<Db, { seen: Int32Array; users: Map<string, PublicUser> }>();

function readUser(db: Db, id: string): PublicUser | undefined {
  const watch = commitWatch(db);
  let c = answers.get(db);
  if (watch !== null && !db.inTransaction) {
    if (c === undefined || !watch.unchangedSince(c.seen)) answers.set(db, (c = { seen: watch.mark(), users: new Map() }));
    const hit = c.users.get(id);
    if (hit !== undefined) return hit;
  } else c = undefined;
  const row = db.read.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, id);
  if (!row) return undefined;
  const user = publicUser(row);
  if (c !== undefined && c.users.size < ME_CACHE_SIZE) c.users.set(id, user);
  return user;
}

export const meRoute = declareRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["auth"],
  summary: "The signed-in user",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  responses: { 200: { description: "The user", schema: UserSchema } },
  handler: (req, platform) => {
    const user = readUser(platform.db, req.user!.id);
    if (!user) throw problems.unauthorized();
    return { status: 200, body: user };
  },
});
