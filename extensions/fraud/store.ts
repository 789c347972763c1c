// Owner-side data access of the fraud checks: rule config, blocklist, the snapshot a fraud-check job runs on,
// and applying its result (idempotent).
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import { DEFAULT_RULES, hasBlock, hasReview } from "./rules.ts";
import { FRAUD_RULE_IDS, VELOCITY_KEYS, type BlocklistKind, type FraudOutcome, type FraudSeverity, type VelocityKey } from "../../schemas/enums.ts";
import type { FraudSnapshot, RuleConfig, RuleEvaluation } from "../../schemas/fraud.ts";
import type { ApplicationRow, ProfileRow } from "../loans/rows.ts";

/** A blocklist row (table blocklist). */
export interface BlocklistRow {
  id: string;
  kind: BlocklistKind;
  value: string;
  reason: string;
  created_by: string;
  created_at: string;
  removed_at: string | null;
  removed_by: string | null;
}

interface RuleRow {
  id: string;
  enabled: number;
  severity: FraudSeverity;
  threshold: number | null;
  window_hours: number | null;
  message: string;
}

/** The rule config in force (fraud_rules rows; rules without a row keep their defaults). */
export function loadRuleConfig(db: Sql): RuleConfig[] {
  const rows = new Map(db.all<RuleRow>("SELECT id, enabled, severity, threshold, window_hours, message FROM fraud_rules").map((r) => [r.id, r]));
  return DEFAULT_RULES.map((d) => {
    const r = rows.get(d.id);
    return r ? { id: d.id, enabled: r.enabled === 1, severity: r.severity, threshold: r.threshold, windowHours: r.window_hours, message: r.message } : d;
  });
}

export function isRuleId(id: string): id is RuleConfig["id"] {
  return (FRAUD_RULE_IDS as readonly string[]).includes(id);
}

// ---- identifiers -----------------------------------------------------------------------------------------------

/** Indonesian MSISDN → E.164 (+62…); other input is returned trimmed. */
export function normalisePhone(v: string): string {
  const d = v.replace(/[^\d+]/g, "");
  if (d.startsWith("+")) return d;
  if (d.startsWith("62")) return "+" + d;
  if (d.startsWith("0")) return "+62" + d.slice(1);
  if (d.startsWith("8")) return "+62" + d;
  return d;
}

export const bankAccountKey = (bankCode: string, number: string) => `${bankCode.trim().toUpperCase()}:${number.replace(/\D/g, "")}`;

/** Normalise a blocklist value of a kind; null when it is not a plausible value. */
export function normaliseBlockValue(kind: BlocklistKind, value: string): string | null {
  const v = value.trim();
  switch (kind) {
    case "nik":
      return /^\d{16}$/.test(v) ? v : null;
    case "phone": {
      const p = normalisePhone(v);
      return /^\+\d{8,15}$/.test(p) ? p : null;
    }
    case "bank_account": {
      const m = /^([A-Za-z0-9]{2,12})\s*:\s*([\d\s-]{4,34})$/.exec(v);
      return m ? bankAccountKey(m[1], m[2]) : null;
    }
    case "device":
      return v.length >= 1 && v.length <= 200 ? v : null;
  }
}

/** The device id in an application's device_json (the app sends deviceId; device_id and id are accepted). */
export function deviceInfo(deviceJson: string | null | undefined): { id: string | null; emulator: boolean; rooted: boolean } {
  let parsed: unknown = {};
  try {
    parsed = JSON.parse(deviceJson || "{}");
  } catch {
    parsed = {}; // not JSON: no device facts
  }
  const d: Record<string, unknown> = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const id = d.deviceId ?? d.device_id ?? d.id ?? null;
  return {
    id: typeof id === "string" && id ? id : null,
    emulator: d.emulator === true || d.isEmulator === true || d.isPhysicalDevice === false,
    rooted: d.rooted === true || d.isRooted === true || d.jailbroken === true,
  };
}

export const DEVICE_ID_SQL = "COALESCE(json_extract(a.device_json, '$.deviceId'), json_extract(a.device_json, '$.device_id'), json_extract(a.device_json, '$.id'))";

// ---- snapshot ----------------------------------------------------------------------------------------------------

export interface ApplicationIdentity {
  applicationId: string;
  userId: string;
  nik: string | null;
  birthDate: string | null;
  sex: "M" | "F" | null;
  phone: string | null;
  bankCode: string | null;
  bankAccountNumber: string | null;
  deviceJson: string | null;
  ip: string | null;
}

export function loadIdentity(db: Sql, applicationId: string): ApplicationIdentity | null {
  const r = db.get<
    Pick<ApplicationRow, "id" | "user_id" | "device_json" | "ip"> & { phone: string | null } & { [K in "nik" | "birth_date" | "sex" | "bank_code" | "bank_account_number"]: ProfileRow[K] | null }
  >(
    `SELECT a.id, a.user_id, a.device_json, a.ip, u.phone, p.nik, p.birth_date, p.sex, p.bank_code, p.bank_account_number
       FROM applications a JOIN users u ON u.id = a.user_id LEFT JOIN borrower_profiles p ON p.user_id = a.user_id
      WHERE a.id = ?`,
    applicationId,
  );
  if (!r) return null;
  return {
    applicationId: r.id,
    userId: r.user_id,
    nik: r.nik ?? null,
    birthDate: r.birth_date ?? null,
    sex: r.sex ?? null,
    phone: r.phone ?? null,
    bankCode: r.bank_code ?? null,
    bankAccountNumber: r.bank_account_number ?? null,
    deviceJson: r.device_json ?? null,
    ip: r.ip ?? null,
  };
}

const VELOCITY_SQL: Record<VelocityKey, string> = {
  nik: "SELECT COUNT(*) AS n FROM applications a JOIN borrower_profiles p ON p.user_id = a.user_id WHERE p.nik = ?",
  phone: "SELECT COUNT(*) AS n FROM applications a JOIN users u ON u.id = a.user_id WHERE u.phone = ?",
  device: `SELECT COUNT(*) AS n FROM applications a WHERE ${DEVICE_ID_SQL} = ?`,
  bank_account: "SELECT COUNT(*) AS n FROM applications a JOIN borrower_profiles p ON p.user_id = a.user_id WHERE p.bank_code = ? AND p.bank_account_number = ?",
  ip: "SELECT COUNT(*) AS n FROM applications a WHERE a.ip = ?",
};

/** Build the immutable snapshot a fraud-check job needs: identifiers, velocity counts per configured window, reuse, blocklist. */
export function buildFraudSnapshot(db: Sql, applicationId: string, rules: RuleConfig[], now: Date): FraudSnapshot | null {
  const id = loadIdentity(db, applicationId);
  if (!id) return null;
  const dev = deviceInfo(id.deviceJson);
  const bank = id.bankCode && id.bankAccountNumber ? bankAccountKey(id.bankCode, id.bankAccountNumber) : null;
  const values: Record<VelocityKey, string | null> = { nik: id.nik, phone: id.phone, device: dev.id, bank_account: bank, ip: id.ip };

  const velocity: FraudSnapshot["velocity"] = [];
  for (const key of VELOCITY_KEYS) {
    const v = values[key];
    if (!v) continue;
    const windows = new Set(rules.filter((r) => r.id === `velocity_${key}` && r.enabled && r.windowHours).map((r) => r.windowHours!));
    for (const w of windows) {
      const since = new Date(now.getTime() - w * 3_600_000).toISOString();
      const args = key === "bank_account" ? [id.bankCode!, id.bankAccountNumber!] : [v];
      const row = db.get<{ n: number }>(
        `${VELOCITY_SQL[key]} AND a.status != 'draft' AND (COALESCE(a.submitted_at, a.created_at) >= ? OR a.id = ?)`,
        ...args,
        since,
        applicationId,
      );
      velocity.push({ key, windowHours: w, count: row?.n ?? 0 });
    }
  }

  const documentReuse = db.all<{ sha256: string; kind: string; n: number }>(
    `SELECT d.sha256, d.kind, COUNT(DISTINCT o.user_id) AS n
       FROM documents d JOIN documents o ON o.sha256 = d.sha256 AND o.user_id != d.user_id
      WHERE d.user_id = ? GROUP BY d.sha256, d.kind ORDER BY d.kind, d.sha256`,
    id.userId,
  );
  const bankOthers = bank
    ? (db.get<{ n: number }>(
        "SELECT COUNT(DISTINCT user_id) AS n FROM borrower_profiles WHERE bank_code = ? AND bank_account_number = ? AND user_id != ?",
        id.bankCode!,
        id.bankAccountNumber!,
        id.userId,
      )?.n ?? 0)
    : 0;

  const candidates: [BlocklistKind, string | null][] = [
    ["nik", id.nik],
    ["phone", id.phone ? normalisePhone(id.phone) : null],
    ["bank_account", bank],
    ["device", dev.id],
  ];
  const blocklistMatches: FraudSnapshot["blocklistMatches"] = [];
  for (const [kind, value] of candidates) {
    if (!value) continue;
    for (const b of db.all<{ id: string; reason: string }>("SELECT id, reason FROM blocklist WHERE kind = ? AND value = ? AND removed_at IS NULL", kind, value)) {
      blocklistMatches.push({ id: b.id, kind, reason: b.reason });
    }
  }

  return {
    applicationId,
    userId: id.userId,
    takenAt: now.toISOString(),
    identity: { nik: id.nik, birthDate: id.birthDate, sex: id.sex, phone: id.phone, deviceId: dev.id, bankAccount: bank, ip: id.ip },
    velocity,
    documentReuse: documentReuse.map((d) => ({ sha256: d.sha256, kind: d.kind, otherBorrowers: d.n })),
    bankAccountOtherBorrowers: bankOthers,
    blocklistMatches,
  };
}

// ---- result ------------------------------------------------------------------------------------------------------

export const outcomeOf = (evals: RuleEvaluation[]): FraudOutcome => (hasBlock(evals) ? "block" : hasReview(evals) ? "review" : "clear");

/**
 * Record a fraud-check result: the full evaluation, each hit with its evidence, and a line per hit in
 * application_checks. Idempotent: returns false (and changes nothing) when this application already has a result.
 */
export function recordFraudResult(t: TxContext | Sql, snapshot: FraudSnapshot, evaluations: RuleEvaluation[], at: Date, jobId?: string): boolean {
  const now = at.toISOString();
  const outcome = outcomeOf(evaluations);
  const ins = t.run(
    "INSERT INTO fraud_checks (application_id, outcome, evaluations_json, snapshot_json, job_id, checked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (application_id) DO NOTHING",
    snapshot.applicationId,
    outcome,
    JSON.stringify(evaluations),
    JSON.stringify(snapshot),
    jobId ?? null,
    now,
  );
  if (ins.changes === 0) return false;
  for (const e of evaluations.filter((x) => x.hit)) {
    t.run(
      "INSERT INTO fraud_hits (application_id, user_id, rule_id, severity, message, evidence_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (application_id, rule_id) DO NOTHING",
      snapshot.applicationId,
      snapshot.userId,
      e.ruleId,
      e.severity,
      e.message,
      JSON.stringify(e.evidence),
      now,
    );
  }
  const hitList = evaluations.filter((x) => x.hit);
  t.run(
    "INSERT INTO application_checks (application_id, kind, rule_id, outcome, detail_json, created_at) VALUES (?, 'fraud', 'fraud-check', ?, ?, ?)",
    snapshot.applicationId,
    outcome,
    JSON.stringify({ hits: hitList.map((h) => ({ ruleId: h.ruleId, severity: h.severity, message: h.message })) }),
    now,
  );
  return true;
}

export interface FraudCheckRow {
  outcome: FraudOutcome;
  evaluations: RuleEvaluation[];
  checkedAt: string;
}

export function loadFraudCheck(db: Sql, applicationId: string): FraudCheckRow | null {
  const r = db.get<{ outcome: FraudOutcome; evaluations_json: string; checked_at: string }>(
    "SELECT outcome, evaluations_json, checked_at FROM fraud_checks WHERE application_id = ?",
    applicationId,
  );
  return r ? { outcome: r.outcome, evaluations: JSON.parse(r.evaluations_json), checkedAt: r.checked_at } : null;
}
