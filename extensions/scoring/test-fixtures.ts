// Test fixtures for the scoring and fraud suites: an in-memory database with every migration, a real registry
// (payloads validated by the jobs' zod schemas, outbox rows written), and seeders for borrowers and applications.
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Metrics } from "../../src/observability/metrics.ts";
import { ManualClock } from "../../src/clock.ts";
import { Registry } from "../../src/runtime/registry.ts";
import { makeContext, txContextOf } from "../../src/runtime/context.ts";
import type { ExtensionContext, TxContext } from "../../src/runtime/index.ts";
import fraud from "../fraud/index.ts";
import scoring from "./index.ts";
import { makeNik, type Sex } from "../fraud/nik.ts";

export function riskTestEnv(now = "2026-03-02T03:00:00Z") {
  const db = new Db(":memory:");
  migrate(db);
  const clock = new ManualClock(now);
  const reg = new Registry([fraud, scoring], []);
  const metrics = new Metrics({ defaultMetrics: false });
  const base = { config: loadConfig({ depot: "/tmp/kreditku-risk-test", env: {} }), db, log: createLogger("silent"), metrics, clock, ports: new Map() };
  const ctx: ExtensionContext = makeContext(base, reg);
  const tx = <T>(fn: (t: TxContext) => T): T => db.tx((c) => fn(txContextOf(c, reg, clock)));
  let n = 0;

  function outbox(name?: string) {
    return db.read
      .all<{ key: string; name: string; kind: string; payload: string }>(`SELECT key, name, kind, payload FROM outbox ${name ? "WHERE name = ?" : ""} ORDER BY id`, ...(name ? [name] : []))
      .map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  }

  function borrower(o: {
    birthDate?: string;
    sex?: Sex;
    nik?: string;
    income?: number;
    employment?: string;
    bankCode?: string;
    bankAccount?: string;
    phone?: string;
    docs?: { kind: string; sha256?: string }[];
  } = {}) {
    const id = `u${++n}`;
    const at = clock.now().toISOString();
    const birthDate = o.birthDate ?? "1990-05-15";
    const sex = o.sex ?? "F";
    db.tx((c) => {
      c.run("INSERT INTO users (id, role, phone, created_at, updated_at) VALUES (?, 'borrower', ?, ?, ?)", id, o.phone ?? `+62812000${String(10000 + n)}`, at, at);
      c.run(
        `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
           employer_name, monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone,
           emergency_relation, emergency_consent, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'Jl. Merdeka 1', 'Bandung', 'Jawa Barat', '40111', ?, 'PT Maju', ?, ?, ?, 'NAMA', 'Budi', '+6281299990000', 'sibling', 1, ?, ?)`,
        id,
        o.nik ?? makeNik({ birthDate, sex, sequence: String(n).padStart(4, "0") }),
        `Borrower ${n}`,
        birthDate,
        sex,
        o.employment ?? "employed",
        o.income ?? 8_000_000,
        o.bankCode ?? "BCA",
        o.bankAccount ?? String(1_000_000_000 + n),
        at,
        at,
      );
      for (const d of o.docs ?? [{ kind: "ktp" }, { kind: "selfie" }]) {
        const did = `d${++n}`;
        c.run(
          "INSERT INTO documents (id, user_id, kind, content_type, size_bytes, sha256, blob_key, created_at) VALUES (?, ?, ?, 'image/png', 100, ?, ?, ?)",
          did,
          id,
          d.kind,
          d.sha256 ?? new Bun.CryptoHasher("sha256").update(did).digest("hex"),
          `documents/${id}/${did}`,
          at,
        );
      }
    });
    return id;
  }

  function application(userId: string, o: { amount?: number; tenor?: number; status?: string; device?: Record<string, unknown>; ip?: string; at?: string } = {}) {
    const id = `a${++n}`;
    const at = o.at ?? clock.now().toISOString();
    db.tx((c) =>
      c.run(
        `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, device_json, ip, submitted_at, created_at, updated_at)
         VALUES (?, ?, 'prod_reference_weekly', ?, ?, ?, 'weeks', 'Modal usaha', 110000, ?, ?, ?, ?, ?)`,
        id,
        userId,
        o.status ?? "submitted",
        o.amount ?? 5_000_000,
        o.tenor ?? 50,
        JSON.stringify(o.device ?? { id: `device-${id}`, platform: "android" }),
        o.ip ?? "203.0.113.10",
        at,
        at,
        at,
      ),
    );
    return id;
  }

  return { db, clock, reg, ctx, tx, metrics, outbox, borrower, application };
}
export type RiskTestEnv = ReturnType<typeof riskTestEnv>;
