// Append-only SQL migrations, applied in order, each inside its own transaction and recorded in _migrations
// with a SHA-256 checksum. An applied migration whose text changed refuses start-up.
import type { Db } from "./database.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";

export class MigrationError extends Error {}

export interface MigrateResult {
  applied: string[];
  total: number;
}

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

export function migrate(db: Db, migrations: Migration[] = MIGRATIONS, log?: (msg: string) => void): MigrateResult {
  db.writer.exec(`CREATE TABLE IF NOT EXISTS _migrations (
    name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const done = new Map(
    db.writer.all<{ name: string; checksum: string }>("SELECT name, checksum FROM _migrations").map((r) => [r.name, r.checksum]),
  );
  adoptFormerRecords(db, migrations, done, log);
  const known = new Set(migrations.map((m) => m.name));
  for (const name of done.keys()) {
    if (!known.has(name)) throw new MigrationError(`migration ${name} is applied in the database but unknown to this binary (a newer version wrote this depot?)`);
  }
  const applied: string[] = [];
  for (const m of migrations) {
    const sum = sha256Hex(m.sql);
    const prev = done.get(m.name);
    if (prev !== undefined) {
      if (prev !== sum) throw new MigrationError(`migration ${m.name} was changed after it was applied (checksum mismatch); add a new migration instead`);
      continue;
    }
    db.tx((c) => {
      c.exec(m.sql);
      c.run("INSERT INTO _migrations (name, checksum, applied_at) VALUES (?, ?, ?)", m.name, sum, new Date().toISOString());
    });
    applied.push(m.name);
    log?.(`applied migration ${m.name}`);
  }
  return { applied, total: migrations.length };
}

/**
 * Records written under a migration's earlier name or earlier text (see Migration.formerly) are renamed and
 * re-checksummed to the current ones, in one transaction, so a depot written by an earlier binary starts.
 */
function adoptFormerRecords(db: Db, migrations: Migration[], done: Map<string, string>, log?: (msg: string) => void) {
  const renames: { from: string; to: string; sum: string }[] = [];
  for (const m of migrations) {
    const sum = sha256Hex(m.sql);
    for (const f of m.formerly ?? []) {
      const recorded = done.get(f.name);
      if (recorded === undefined || recorded !== f.checksum) continue;
      if (f.name === m.name && recorded === sum) continue;
      renames.push({ from: f.name, to: m.name, sum });
    }
  }
  if (!renames.length) return;
  db.tx((c) => {
    for (const r of renames) c.run("UPDATE _migrations SET name = ?, checksum = ? WHERE name = ?", r.to, r.sum, r.from);
  });
  for (const r of renames) {
    done.delete(r.from);
    done.set(r.to, r.sum);
    log?.(r.from === r.to ? `migration ${r.to}: record updated to its reworded text` : `migration ${r.from} is now recorded as ${r.to}`);
  }
}

export function pendingMigrations(db: Db, migrations: Migration[] = MIGRATIONS): string[] {
  try {
    const done = new Set(db.read.all<{ name: string }>("SELECT name FROM _migrations").map((r) => r.name));
    return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
  } catch {
    return migrations.map((m) => m.name);
  }
}
