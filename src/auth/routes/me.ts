// GET /api/v1/auth/me: the signed-in user.
import { declareRoute } from "../../http/route.ts";
import { problems } from "../../http/problem.ts";
import { publicUser, USER_COLUMNS, type UserRow } from "../sessions.ts";
import { UserSchema } from "../schemas.ts";
import { AUTH_USER_LIMIT } from "./limits.ts";

export const meRoute = declareRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["auth"],
  summary: "The signed-in user",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  responses: { 200: { description: "The user", schema: UserSchema } },
  handler: (req, platform) => {
    const row = platform.db.read.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, req.user!.id);
    if (!row) throw problems.unauthorized();
    return { status: 200, body: publicUser(row) };
  },
});
