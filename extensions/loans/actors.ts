// Who did something, as staff views name them: a user id resolved to the staff member's display name (else email),
// an automated actor ("system:payments") by its own name, a borrower as "borrower" (no personal data).
import { sqlIn, type Sql } from "../../src/runtime/index.ts";

export interface ActorView {
  id: string;
  name: string;
  email: string | null;
}

/** The named actors of these ids (unknown ids are shown as themselves). */
export function actorsOf(db: Sql, ids: Iterable<string | null | undefined>): Map<string, ActorView> {
  const wanted = [...new Set([...ids].filter((x): x is string => typeof x === "string" && x.length > 0))];
  const out = new Map<string, ActorView>();
  const users = wanted.filter((id) => !id.includes(":"));
  if (users.length) {
    const inList = sqlIn(users);
    const rows = db.all<{ id: string; role: string; email: string | null; display_name: string | null }>(
      `SELECT id, role, email, display_name FROM users WHERE id IN ${inList.sql}`,
      ...inList.params,
    );
    for (const r of rows) {
      if (r.role === "borrower") out.set(r.id, { id: r.id, name: "borrower", email: null });
      else out.set(r.id, { id: r.id, name: r.display_name?.trim() || r.email || r.id, email: r.email });
    }
  }
  for (const id of wanted) if (!out.has(id)) out.set(id, { id, name: id, email: null });
  return out;
}

/** One actor. */
export const actorOf = (db: Sql, id: string): ActorView => actorsOf(db, [id]).get(id)!;
