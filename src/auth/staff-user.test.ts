// Staff display names and emails (shown on the dashboard and in audit trails) refuse spoofing characters, through
// createStaffUser and the `kreditku admin create` command.
import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { adminCommand } from "../cli/admin.ts";
import { UsageError } from "../cli/types.ts";
import { createStaffUser, StaffUserError } from "./staff.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("createStaffUser", () => {
  const db = new Db(":memory:");
  migrate(db);
  const password = "correct horse battery";

  test.each([
    ["Budi\u202Egnatas", "U+202E"],
    ["Budi\u200BSantoso", "U+200B"],
    ["Budi\u0000", "U+0000"],
    ["Budi\nAdmin", "U+000A"],
    ["\u001B[2JBudi", "U+001B"],
  ])("name %j is refused (%s); nothing is created", async (name, cp) => {
    const err = await createStaffUser(db, { email: `x${cp}@kreditku.id`, password, role: "analyst", name }).catch((e) => e);
    expect(err).toBeInstanceOf(StaffUserError);
    expect(err.message).toContain(cp);
    expect(db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM users")!.n).toBe(0);
  });

  test("an email with a bidirectional override is refused, and the message cannot carry it raw", async () => {
    const err = await createStaffUser(db, { email: "admin\u202E@kreditku.id", password, role: "admin" }).catch((e) => e);
    expect(err).toBeInstanceOf(StaffUserError);
    expect(err.message).toBe('"admin\u202E@kreditku.id" is not an email address');
  });

  test("a clean name is stored NFC-normalised and trimmed; a long one is refused", async () => {
    const u = await createStaffUser(db, { email: "andre@kreditku.id", password, role: "analyst", name: "  Andre\u0301 Wijaya " });
    expect(db.read.get<{ display_name: string }>("SELECT display_name FROM users WHERE id = ?", u.id)!.display_name).toBe("Andr\u00e9 Wijaya");
    await expect(createStaffUser(db, { email: "long@kreditku.id", password, role: "analyst", name: "x".repeat(121) })).rejects.toThrow("at most 120");
  });
});

test("kreditku admin create --name with a right-to-left override is a bad value (usage error): nobody, and no depot, created", async () => {
  const parent = mkdtempSync(join(tmpdir(), "kreditku-staff-"));
  dirs.push(parent);
  const depot = join(parent, "depot");
  const err = await adminCommand.run(["create", "--email", "budi@kreditku.id", "--password", "correct horse battery", "--name", "Budi\u202Enimda", "--depot", depot]).catch((e) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect(err.message).toContain("name must not contain a bidirectional control character (U+202E");
  expect(existsSync(depot)).toBe(false);
});
