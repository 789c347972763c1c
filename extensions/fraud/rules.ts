// Fraud rules: pure functions over a snapshot the owner builds (DESIGN §1: workers never open the database).
// Every rule has an id, a severity (block | review) and a human message; thresholds, windows and severities are
// data (the fraud_rules table, seeded by migration 0006), handed to the job inside its payload.
import { mask, nikIssues, type NikIssue } from "./nik.ts";
import { FRAUD_RULE_IDS, type BlocklistKind, type FraudRuleId, type VelocityKey } from "../../schemas/enums.ts";
import type { FraudSnapshot, RuleConfig, RuleEvaluation } from "../../schemas/fraud.ts";

/** The defaults (also seeded by the migration; a test keeps the two equal). */
export const DEFAULT_RULES: RuleConfig[] = [
  { id: "nik_format", enabled: true, severity: "block", threshold: null, windowHours: null, message: "NIK is not 16 digits" },
  { id: "nik_region", enabled: true, severity: "block", threshold: null, windowHours: null, message: "NIK province/regency/district code is not valid" },
  { id: "nik_date", enabled: true, severity: "block", threshold: null, windowHours: null, message: "NIK birth date (DDMMYY, +40 for women) is not a valid date" },
  { id: "nik_sequence", enabled: true, severity: "block", threshold: null, windowHours: null, message: "NIK sequence number is 0000" },
  { id: "nik_dob_mismatch", enabled: true, severity: "block", threshold: null, windowHours: null, message: "NIK birth date does not match the declared birth date" },
  { id: "nik_sex_mismatch", enabled: true, severity: "review", threshold: null, windowHours: null, message: "NIK sex (+40 day for women) does not match the declared sex" },
  { id: "velocity_nik", enabled: true, severity: "block", threshold: 3, windowHours: 24 * 30, message: "Too many applications with this NIK" },
  { id: "velocity_phone", enabled: true, severity: "review", threshold: 3, windowHours: 24 * 30, message: "Too many applications from this phone number" },
  { id: "velocity_device", enabled: true, severity: "review", threshold: 3, windowHours: 24 * 7, message: "Too many applications from this device" },
  { id: "velocity_bank_account", enabled: true, severity: "review", threshold: 2, windowHours: 24 * 30, message: "Too many applications paying out to this bank account" },
  { id: "velocity_ip", enabled: true, severity: "review", threshold: 5, windowHours: 24, message: "Too many applications from this IP address" },
  { id: "document_reuse", enabled: true, severity: "block", threshold: null, windowHours: null, message: "A document (same SHA-256) is also used by another borrower" },
  { id: "bank_account_reuse", enabled: true, severity: "review", threshold: null, windowHours: null, message: "The bank account is also used by another borrower" },
  { id: "blocklist_nik", enabled: true, severity: "block", threshold: null, windowHours: null, message: "NIK is on the blocklist" },
  { id: "blocklist_phone", enabled: true, severity: "block", threshold: null, windowHours: null, message: "Phone number is on the blocklist" },
  { id: "blocklist_bank_account", enabled: true, severity: "block", threshold: null, windowHours: null, message: "Bank account is on the blocklist" },
  { id: "blocklist_device", enabled: true, severity: "review", threshold: null, windowHours: null, message: "Device is on the blocklist" },
];

type Evaluator = (s: FraudSnapshot, cfg: RuleConfig, nik: NikIssue[] | null) => Omit<RuleEvaluation, "ruleId" | "severity" | "message"> & { detail?: string };

function nikRule(code: NikIssue["code"]): Evaluator {
  return (s, _cfg, issues) => {
    if (issues == null) return { hit: false, evidence: {}, skipped: "no NIK on the profile" };
    // Later structural checks are meaningless when the NIK is not even 16 digits.
    if (code !== "format" && issues.some((i) => i.code === "format")) return { hit: false, evidence: {}, skipped: "NIK is not 16 digits" };
    const issue = issues.find((i) => i.code === code);
    return issue
      ? { hit: true, detail: issue.detail, evidence: { nik: mask(s.identity.nik), declaredBirthDate: s.identity.birthDate, declaredSex: s.identity.sex, issue: issue.detail } }
      : { hit: false, evidence: {} };
  };
}

const IDENTITY_OF: Record<VelocityKey, keyof FraudSnapshot["identity"]> = {
  nik: "nik",
  phone: "phone",
  device: "deviceId",
  bank_account: "bankAccount",
  ip: "ip",
};

function velocityRule(key: VelocityKey): Evaluator {
  return (s, cfg) => {
    const value = s.identity[IDENTITY_OF[key]];
    if (!value) return { hit: false, evidence: {}, skipped: `no ${key} on the application` };
    if (cfg.threshold == null || cfg.windowHours == null) return { hit: false, evidence: {}, skipped: "rule has no threshold/window" };
    const v = s.velocity.find((x) => x.key === key && x.windowHours === cfg.windowHours);
    if (!v) return { hit: false, evidence: {}, skipped: `no ${key} count for a ${cfg.windowHours} h window` };
    const evidence = { [key]: key === "ip" ? value : mask(value), count: v.count, windowHours: v.windowHours, threshold: cfg.threshold };
    return v.count > cfg.threshold
      ? { hit: true, evidence, detail: `${v.count} applications in ${v.windowHours} h (at most ${cfg.threshold})` }
      : { hit: false, evidence };
  };
}

function blocklistRule(kind: BlocklistKind): Evaluator {
  return (s) => {
    const m = s.blocklistMatches.filter((x) => x.kind === kind);
    return m.length
      ? { hit: true, evidence: { entries: m.map((x) => ({ id: x.id, reason: x.reason })) }, detail: m.map((x) => x.reason).join("; ") }
      : { hit: false, evidence: {} };
  };
}

const EVALUATORS: Record<FraudRuleId, Evaluator> = {
  nik_format: nikRule("format"),
  nik_region: nikRule("region"),
  nik_date: nikRule("date"),
  nik_sequence: nikRule("sequence"),
  nik_dob_mismatch: nikRule("dob_mismatch"),
  nik_sex_mismatch: nikRule("sex_mismatch"),
  velocity_nik: velocityRule("nik"),
  velocity_phone: velocityRule("phone"),
  velocity_device: velocityRule("device"),
  velocity_bank_account: velocityRule("bank_account"),
  velocity_ip: velocityRule("ip"),
  document_reuse: (s) =>
    s.documentReuse.length
      ? {
          hit: true,
          evidence: { documents: s.documentReuse.map((d) => ({ kind: d.kind, sha256: d.sha256, otherBorrowers: d.otherBorrowers })) },
          detail: s.documentReuse.map((d) => `${d.kind} shared with ${d.otherBorrowers} other borrower(s)`).join("; "),
        }
      : { hit: false, evidence: {} },
  bank_account_reuse: (s) => {
    if (!s.identity.bankAccount) return { hit: false, evidence: {}, skipped: "no bank account on the profile" };
    const evidence = { bankAccount: mask(s.identity.bankAccount), otherBorrowers: s.bankAccountOtherBorrowers };
    return s.bankAccountOtherBorrowers > 0
      ? { hit: true, evidence, detail: `bank account used by ${s.bankAccountOtherBorrowers} other borrower(s)` }
      : { hit: false, evidence };
  },
  blocklist_nik: blocklistRule("nik"),
  blocklist_phone: blocklistRule("phone"),
  blocklist_bank_account: blocklistRule("bank_account"),
  blocklist_device: blocklistRule("device"),
};

/** Evaluate every configured rule (in FRAUD_RULE_IDS order). Rules missing from `config` use the defaults. */
export function evaluateRules(snapshot: FraudSnapshot, config: RuleConfig[] = DEFAULT_RULES): RuleEvaluation[] {
  const byId = new Map(DEFAULT_RULES.map((r) => [r.id, r] as const));
  for (const r of config) byId.set(r.id, r);
  const nik = snapshot.identity.nik == null ? null : nikIssues(snapshot.identity.nik, { birthDate: snapshot.identity.birthDate, sex: snapshot.identity.sex });
  return FRAUD_RULE_IDS.map((id) => {
    const cfg = byId.get(id)!;
    if (!cfg.enabled) return { ruleId: id, severity: cfg.severity, hit: false, message: cfg.message, evidence: {}, skipped: "disabled" };
    const { detail, ...out } = EVALUATORS[id](snapshot, cfg, nik);
    return { ruleId: id, severity: cfg.severity, message: detail ? `${cfg.message}: ${detail}` : cfg.message, ...out };
  });
}

export const hits = (evals: RuleEvaluation[]) => evals.filter((e) => e.hit);
export const hasBlock = (evals: RuleEvaluation[]) => evals.some((e) => e.hit && e.severity === "block");
export const hasReview = (evals: RuleEvaluation[]) => evals.some((e) => e.hit && e.severity === "review");
