import { describe, expect, test } from "bun:test";
import v1 from "./models/v1.json" with { type: "json" };
import { CURRENT_MODEL, MODEL_V1, deriveFeatures, loadModel, repaymentHistory, scaling, scoreFeatures, scoreSnapshot, scoreToPd } from "./scorecard.ts";
import { type ScoreSnapshot } from "../../schemas/scoring.ts";

function applicant(over: { applicant?: Partial<ScoreSnapshot["applicant"]>; application?: Partial<ScoreSnapshot["application"]>; history?: Partial<ScoreSnapshot["history"]>; documents?: string[]; device?: ScoreSnapshot["device"]["signal"] } = {}): ScoreSnapshot {
  return {
    applicationId: "app",
    userId: "u",
    takenAt: "2026-03-01T03:00:00.000Z",
    applicant: { birthDate: "1990-05-15", monthlyIncome: 8_000_000, employmentType: "employed", employmentTenureMonths: null, email: "none", ...over.applicant },
    application: { amount: 5_000_000, instalmentAmount: 1_000_000, ...over.application },
    history: { paidOffLoans: 0, maxDpd: 0, writtenOffLoans: 0, delinquentNow: 0, ...over.history },
    documents: { present: over.documents ?? ["ktp", "payslip", "selfie"] },
    device: { signal: over.device === undefined ? "clean" : over.device },
  };
}

describe("scorecard scaling", () => {
  test("base 600 at 50:1, PDO 20", () => {
    const { factor, offset } = scaling(MODEL_V1);
    expect(factor).toBeCloseTo(20 / Math.LN2, 12);
    expect(factor).toBeCloseTo(28.8539, 4);
    expect(offset).toBeCloseTo(600 - factor * Math.log(50), 12);
    expect(offset).toBeCloseTo(487.1229, 4);
    expect(scoreToPd(MODEL_V1, 600)).toBeCloseTo(1 / 51, 12);
    expect(scoreToPd(MODEL_V1, 620)).toBeCloseTo(1 / 101, 12); // odds double every 20 points
    expect(scoreToPd(MODEL_V1, 580)).toBeCloseTo(1 / 26, 12);
  });

  test("the embedded model is valid and current", () => {
    expect(CURRENT_MODEL.version).toBe("kreditku-retail-v1");
    expect(loadModel(v1)).toEqual(MODEL_V1);
  });

  test("invalid models are refused with a readable error", () => {
    const bad = structuredClone(v1) as any;
    bad.features[0].bins[4].below = 1;
    expect(() => loadModel(bad)).toThrow(/monthly_income: last bin must be open/);
    const dup = structuredClone(v1) as any;
    dup.features[1].bins[0].values.push("student");
    expect(() => loadModel(dup)).toThrow(/value student in two bins/);
    const missing = structuredClone(v1) as any;
    missing.features = missing.features.filter((f: any) => f.id !== "age_years");
    expect(() => loadModel(missing)).toThrow(/missing feature age_years/);
    expect(() => loadModel({ ...v1, scaling: { baseScore: 600, baseOdds: 0, pdo: 20 } })).toThrow(/invalid scorecard model/);
  });
});

describe("reference applicants (pinned: changing the model changes these on purpose)", () => {
  test("A: salaried, 35, 8 M income, thin file", () => {
    const r = scoreSnapshot(applicant());
    expect(r.modelVersion).toBe("kreditku-retail-v1");
    expect(r.score).toBe(620);
    expect(r.pd).toBe(0.009901);
    expect(Object.fromEntries(r.features.map((f) => [f.feature, [f.value, f.points]]))).toEqual({
      monthly_income: [8_000_000, 35],
      employment_type: ["employed", 40],
      employment_tenure_months: [null, 5],
      age_years: [35, 30],
      instalment_to_income: [0.125, 30],
      repayment_history: ["none", 20],
      document_completeness: [1, 25],
      email_signal: ["none", 0],
      device_signal: ["clean", 15],
    });
    expect(r.reasons.map((x) => [x.code, x.pointsLost])).toEqual([
      ["R03", 30],
      ["R06", 25],
      ["R01", 20],
      ["R10", 15],
    ]);
    expect(r.reasons[0].id).toBe("Masa kerja atau usaha Anda masih singkat");
    expect(r.reasons[0].en).toBe("You have been in your current job or business for a short time");
  });

  test("B: student, 20, high instalment, missing payslip, shared device", () => {
    const r = scoreSnapshot(
      applicant({
        applicant: { birthDate: "2005-06-01", monthlyIncome: 3_000_000, employmentType: "student" },
        application: { instalmentAmount: 1_050_000 },
        documents: ["ktp", "selfie"],
        device: "shared",
      }),
    );
    expect(r.features.find((f) => f.feature === "age_years")!.value).toBe(20);
    expect(r.features.find((f) => f.feature === "instalment_to_income")!.value).toBe(0.35);
    expect(r.features.find((f) => f.feature === "document_completeness")!.value).toBe(0.6667);
    expect(r.score).toBe(490);
    expect(r.pd).toBe(0.475092);
    expect(r.reasons.map((x) => x.code)).toEqual(["R01", "R02", "R05", "R03"]); // ties (35 points lost) keep the model order
    expect(r.reasons.map((x) => x.pointsLost)).toEqual([35, 35, 35, 30]);
  });

  test("C: repeat borrower with a clean record, verified email", () => {
    const r = scoreSnapshot(
      applicant({
        applicant: { birthDate: "1984-01-10", monthlyIncome: 25_000_000, employmentTenureMonths: 48, email: "verified" },
        application: { instalmentAmount: 1_250_000 },
        history: { paidOffLoans: 3 },
      }),
    );
    expect(r.score).toBe(720); // the best score this model gives
    expect(r.pd).toBe(0.000312); // odds 50 · 2^6 = 3200
    expect(r.reasons).toEqual([]);
  });

  test("D: serious arrears, emulator", () => {
    const r = scoreSnapshot(
      applicant({
        applicant: { birthDate: "1995-12-31", monthlyIncome: 6_000_000, employmentType: "self_employed", email: "unverified" },
        application: { instalmentAmount: 1_680_000 },
        history: { paidOffLoans: 2, maxDpd: 45 },
        device: "emulator",
      }),
    );
    expect(r.score).toBe(528);
    expect(r.reasons.map((x) => x.code)).toEqual(["R08", "R03", "R11", "R01"]);
    expect(r.reasons[0].en).toBe("You have a serious arrear on a loan");
  });
});

describe("features", () => {
  test("repayment history classes", () => {
    const h = (x: Partial<ScoreSnapshot["history"]>) => repaymentHistory({ paidOffLoans: 0, maxDpd: 0, writtenOffLoans: 0, delinquentNow: 0, ...x });
    expect(h({})).toBe("none");
    expect(h({ paidOffLoans: 1 })).toBe("good");
    expect(h({ paidOffLoans: 2, maxDpd: 7 })).toBe("good_multiple");
    expect(h({ paidOffLoans: 2, maxDpd: 8 })).toBe("late");
    expect(h({ delinquentNow: 1 })).toBe("late");
    expect(h({ maxDpd: 31 })).toBe("bad");
    expect(h({ writtenOffLoans: 1 })).toBe("bad");
  });

  test("age is whole years on the snapshot date; missing values take the missing points", () => {
    expect(deriveFeatures(applicant({ applicant: { birthDate: "2008-03-01" } })).age_years).toBe(18);
    expect(deriveFeatures(applicant({ applicant: { birthDate: "2008-03-02" } })).age_years).toBe(17);
    const f = deriveFeatures(applicant({ applicant: { monthlyIncome: null, birthDate: null } }));
    expect(f.monthly_income).toBeNull();
    expect(f.instalment_to_income).toBeNull();
    const r = scoreFeatures(f);
    expect(r.features.find((x) => x.feature === "monthly_income")).toMatchObject({ bin: "missing", points: 0 });
    expect(r.features.find((x) => x.feature === "age_years")).toMatchObject({ bin: "missing", points: 0 });
  });

  test("numeric bins are lower-inclusive; unknown categories take the missing points", () => {
    const at = (v: number) => scoreFeatures({ monthly_income: v }).features[0];
    expect(at(4_999_999)).toMatchObject({ points: 20, bin: "2500000 – < 5000000" });
    expect(at(5_000_000)).toMatchObject({ points: 35, bin: "5000000 – < 10000000" });
    expect(at(20_000_000)).toMatchObject({ points: 55, bin: "≥ 20000000" });
    expect(at(0)).toMatchObject({ points: 5, bin: "< 2500000" });
    expect(scoreFeatures({ employment_type: "astronaut" }).features[1]).toMatchObject({ points: 0, bin: "unknown (astronaut)" });
  });

  test("sex and other protected attributes are not features", () => {
    const ids = MODEL_V1.features.map((f) => f.id);
    for (const banned of ["sex", "gender", "religion", "ethnicity", "marital_status", "contacts", "location"]) expect(ids).not.toContain(banned);
  });
});
