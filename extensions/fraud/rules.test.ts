import { describe, expect, test } from "bun:test";
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { DEFAULT_RULES, evaluateRules, hasBlock, hasReview } from "./rules.ts";
import { loadRuleConfig, normaliseBlockValue, normalisePhone } from "./store.ts";
import { FRAUD_RULE_IDS, type FraudRuleId } from "../../schemas/enums.ts";
import type { FraudSnapshot, RuleConfig } from "../../schemas/fraud.ts";

function snap(over: Partial<Omit<FraudSnapshot, "identity">> & { identity?: Partial<FraudSnapshot["identity"]> } = {}): FraudSnapshot {
  const { identity, ...rest } = over;
  return {
    applicationId: "app_1",
    userId: "u_1",
    takenAt: "2026-03-01T00:00:00.000Z",
    identity: {
      nik: "3273011505900001",
      birthDate: "1990-05-15",
      sex: "M",
      phone: "+6281234567890",
      deviceId: "dev-1",
      bankAccount: "BCA:1234567890",
      ip: "203.0.113.7",
      ...identity,
    },
    velocity: [
      { key: "nik", windowHours: 720, count: 1 },
      { key: "phone", windowHours: 720, count: 1 },
      { key: "device", windowHours: 168, count: 1 },
      { key: "bank_account", windowHours: 720, count: 1 },
      { key: "ip", windowHours: 24, count: 1 },
    ],
    documentReuse: [],
    bankAccountOtherBorrowers: 0,
    blocklistMatches: [],
    ...rest,
  };
}

const hitIds = (s: FraudSnapshot, cfg?: RuleConfig[]) => evaluateRules(s, cfg).filter((e) => e.hit).map((e) => e.ruleId);
const ev = (s: FraudSnapshot, id: FraudRuleId, cfg?: RuleConfig[]) => evaluateRules(s, cfg).find((e) => e.ruleId === id)!;

describe("fraud rules", () => {
  test("a clean applicant hits nothing; every rule is evaluated once, in order", () => {
    const out = evaluateRules(snap());
    expect(out.map((e) => e.ruleId)).toEqual([...FRAUD_RULE_IDS]);
    expect(out.filter((e) => e.hit)).toEqual([]);
    expect(out.every((e) => e.skipped === undefined)).toBe(true);
    expect(hasBlock(out) || hasReview(out)).toBe(false);
  });

  test("every rule has a severity and a human message", () => {
    for (const r of DEFAULT_RULES) {
      expect(["block", "review"]).toContain(r.severity);
      expect(r.message.length).toBeGreaterThan(10);
    }
    expect(DEFAULT_RULES.map((r) => r.id)).toEqual([...FRAUD_RULE_IDS]);
  });

  test("NIK rules: format, region, date, sequence, birth-date and sex agreement", () => {
    expect(hitIds(snap({ identity: { nik: "32730115059000" } }))).toEqual(["nik_format"]);
    expect(ev(snap({ identity: { nik: "32730115059000" } }), "nik_region").skipped).toBe("NIK is not 16 digits");
    expect(hitIds(snap({ identity: { nik: "2073011505900001" } }))).toEqual(["nik_region"]);
    expect(hitIds(snap({ identity: { nik: "3273013102900001" } }))).toEqual(["nik_date"]);
    expect(hitIds(snap({ identity: { nik: "3273011505900000" } }))).toEqual(["nik_sequence"]);
    expect(hitIds(snap({ identity: { birthDate: "1990-05-16" } }))).toEqual(["nik_dob_mismatch"]);
    expect(hitIds(snap({ identity: { sex: "F" } }))).toEqual(["nik_sex_mismatch"]);
    // a woman with the +40 day: clean
    expect(hitIds(snap({ identity: { nik: "3273015505900001", sex: "F" } }))).toEqual([]);
    const e = ev(snap({ identity: { birthDate: "1990-05-16" } }), "nik_dob_mismatch");
    expect(e).toMatchObject({ hit: true, severity: "block" });
    expect(e.evidence).toMatchObject({ nik: "************0001", declaredBirthDate: "1990-05-16" });
    expect(e.message).toContain("does not match");
    expect(ev(snap({ identity: { nik: null } }), "nik_format").skipped).toBe("no NIK on the profile");
  });

  test("velocity per NIK, phone, device, bank account and IP: above the threshold hits", () => {
    const cases: [string, FraudRuleId, number, number][] = [
      ["nik", "velocity_nik", 720, 3],
      ["phone", "velocity_phone", 720, 3],
      ["device", "velocity_device", 168, 3],
      ["bank_account", "velocity_bank_account", 720, 2],
      ["ip", "velocity_ip", 24, 5],
    ];
    for (const [key, id, w, threshold] of cases) {
      const at = (count: number) => snap({ velocity: [{ key: key as any, windowHours: w, count }] });
      expect(ev(at(threshold), id).hit).toBe(false);
      const e = ev(at(threshold + 1), id);
      expect(e.hit).toBe(true);
      expect(e.evidence).toMatchObject({ count: threshold + 1, windowHours: w, threshold });
      expect(hitIds(at(threshold + 1))).toEqual([id]);
    }
    // evidence masks identifiers (not the IP)
    expect(ev(snap({ velocity: [{ key: "nik", windowHours: 720, count: 9 }] }), "velocity_nik").evidence.nik).toBe("************0001");
    expect(ev(snap({ velocity: [{ key: "ip", windowHours: 24, count: 9 }] }), "velocity_ip").evidence.ip).toBe("203.0.113.7");
  });

  test("velocity thresholds and windows are data", () => {
    const cfg = DEFAULT_RULES.map((r) => (r.id === "velocity_phone" ? { ...r, threshold: 1, windowHours: 48, severity: "block" as const } : r));
    const s = snap({ velocity: [{ key: "phone", windowHours: 48, count: 2 }] });
    expect(ev(s, "velocity_phone", cfg)).toMatchObject({ hit: true, severity: "block" });
    // a count for another window does not count
    expect(ev(snap({ velocity: [{ key: "phone", windowHours: 720, count: 9 }] }), "velocity_phone", cfg)).toMatchObject({ hit: false, skipped: "no phone count for a 48 h window" });
    // disabled
    const off = DEFAULT_RULES.map((r) => (r.id === "velocity_nik" ? { ...r, enabled: false } : r));
    expect(ev(snap({ velocity: [{ key: "nik", windowHours: 720, count: 50 }] }), "velocity_nik", off)).toMatchObject({ hit: false, skipped: "disabled" });
  });

  test("document reuse (same SHA-256 by another borrower)", () => {
    const sha = "a".repeat(64);
    const s = snap({ documentReuse: [{ sha256: sha, kind: "ktp", otherBorrowers: 2 }] });
    const e = ev(s, "document_reuse");
    expect(e).toMatchObject({ hit: true, severity: "block" });
    expect(e.evidence).toEqual({ documents: [{ kind: "ktp", sha256: sha, otherBorrowers: 2 }] });
    expect(ev(snap(), "document_reuse").hit).toBe(false);
  });

  test("bank account used by another borrower", () => {
    expect(ev(snap({ bankAccountOtherBorrowers: 1 }), "bank_account_reuse")).toMatchObject({
      hit: true,
      severity: "review",
      evidence: { bankAccount: "**********7890", otherBorrowers: 1 },
    });
    expect(ev(snap(), "bank_account_reuse").hit).toBe(false);
    expect(ev(snap({ identity: { bankAccount: null } }), "bank_account_reuse").skipped).toBeDefined();
  });

  test("blocklist per kind", () => {
    for (const kind of ["nik", "phone", "bank_account", "device"] as const) {
      const s = snap({ blocklistMatches: [{ id: "bl_1", kind, reason: "confirmed fraud ring" }] });
      expect(hitIds(s)).toEqual([`blocklist_${kind}`]);
      expect(ev(s, `blocklist_${kind}`).evidence).toEqual({ entries: [{ id: "bl_1", reason: "confirmed fraud ring" }] });
    }
    expect(ev(snap({ blocklistMatches: [{ id: "bl_1", kind: "device", reason: "x" }] }), "blocklist_device").severity).toBe("review");
    expect(hasBlock(evaluateRules(snap({ blocklistMatches: [{ id: "bl_1", kind: "nik", reason: "x" }] })))).toBe(true);
  });

  test("the migration seeds exactly the default rules", () => {
    const db = new Db(":memory:");
    migrate(db);
    expect(loadRuleConfig(db.read)).toEqual(DEFAULT_RULES);
    expect(db.read.all<{ id: string }>("SELECT id FROM fraud_rules ORDER BY id").map((r) => r.id)).toEqual([...FRAUD_RULE_IDS].sort());
    db.close();
  });

  test("blocklist values are normalised per kind", () => {
    expect(normaliseBlockValue("nik", " 3273011505900001 ")).toBe("3273011505900001");
    expect(normaliseBlockValue("nik", "327301150590")).toBeNull();
    expect(normaliseBlockValue("phone", "0812-3456-7890")).toBe("+6281234567890");
    expect(normaliseBlockValue("phone", "+62 812 3456 7890")).toBe("+6281234567890");
    expect(normaliseBlockValue("phone", "12")).toBeNull();
    expect(normaliseBlockValue("bank_account", "bca:123-456-7890")).toBe("BCA:1234567890");
    expect(normaliseBlockValue("bank_account", "1234567890")).toBeNull();
    expect(normaliseBlockValue("device", "dev-1")).toBe("dev-1");
    expect(normalisePhone("6281234567890")).toBe("+6281234567890");
  });
});
