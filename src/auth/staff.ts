// Staff users (email + Argon2id password). The auth module builds login on top of this.
import type { Conn, Db } from "../db/database.ts";
import { normaliseText, unsafeTextIssue } from "../text/safe-text.ts";

export const STAFF_ROLES = ["admin", "analyst", "finance"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** A staff user that cannot be created: a bad value (`invalid`), or a user that already exists (`conflict`). */
export class StaffUserError extends Error {
  constructor(
    message: string,
    readonly kind: "invalid" | "conflict" = "invalid",
  ) {
    super(message);
  }
}

export function normalizeEmail(email: string) {
  return email.trim().toLowerCase();
}

export async function hashPassword(password: string) {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

/** A staff member's display name (shown on the dashboard and in audit trails): safe text, at most 120 characters. */
function staffName(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const name = normaliseText(raw);
  const issue = unsafeTextIssue(name);
  if (issue) throw new StaffUserError(`name ${issue}`);
  if (name.length > 120) throw new StaffUserError("name must be at most 120 characters");
  return name || null;
}

/** The values of a new staff user, checked (throws StaffUserError "invalid"): the email normalised, the name made safe. */
export function checkStaffInput(input: { email: string; password: string; name?: string }): { email: string; name: string | null } {
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || unsafeTextIssue(email)) throw new StaffUserError(`${JSON.stringify(input.email)} is not an email address`);
  if (input.password.length < 10) throw new StaffUserError("password must be at least 10 characters");
  return { email, name: staffName(input.name) };
}

export async function createStaffUser(db: Db, input: { email: string; password: string; role: StaffRole; name?: string }) {
  const { email, name } = checkStaffInput(input);
  const hash = await hashPassword(input.password);
  const id = Bun.randomUUIDv7();
  const now = new Date().toISOString();
  db.tx((w) => {
    if (w.get("SELECT 1 FROM users WHERE email = ?", email)) throw new StaffUserError(`a user with email ${email} already exists`, "conflict");
    w.run(
      "INSERT INTO users (id, role, email, password_hash, display_name, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
      id,
      input.role,
      email,
      hash,
      name,
      now,
      now,
    );
  });
  return { id, email, role: input.role };
}

/**
 * Would an active admin remain if `userId` stopped being one (demoted, disabled or removed)? Call it inside the write
 * transaction that makes the change: writes are serialised (BEGIN IMMEDIATE), so two admins demoting each other at
 * once cannot both see the other as the remaining admin.
 */
export function anotherActiveAdminRemains(w: Pick<Conn, "get">, userId: string): boolean {
  return !!w.get("SELECT 1 FROM users WHERE role = 'admin' AND status = 'active' AND id != ? LIMIT 1", userId);
}
