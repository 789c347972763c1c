// Decision policy (pure): fraud hits + score + affordability → approved | rejected | manual_review, with an offer
// lowered to fit the income-ratio rule (instalment ≤ 40 % of monthly income, 30 % from 2026-01-01).
import type { DecisionOutcome } from "../../schemas/enums.ts";
import type { BorrowerReason, Model, ReasonCode, ScoredOffer } from "../../schemas/scoring.ts";

export interface DecisionInput {
  model: Model;
  score: number;
  scoreReasons: ReasonCode[];
  fraud: { blockHits: string[]; reviewHits: string[] };
  age: number | null;
  monthlyIncome: number | null;
  requestedAmount: number;
  /** Smallest amount the product lends. */
  minAmount: number;
  /** Income ratio in force on the decision date (see incomeRatioOn). */
  incomeRatio: number;
  /** Monthly-equivalent instalment for a principal (same product and tenor). Must rise with the amount. */
  monthlyInstalmentFor(amount: number): number;
}

export interface Decision {
  outcome: DecisionOutcome;
  /** Borrower-facing reasons (Indonesian + English), most important first. */
  reasons: BorrowerReason[];
  offer: ScoredOffer | null;
  /** One line for the application trail. */
  note: string;
}

export const POLICY_REASONS = {
  P01: { code: "P01", id: "Pengajuan belum dapat kami proses berdasarkan hasil verifikasi data", en: "We cannot process this application after verifying your data" },
  P02: { code: "P02", id: "Usia minimal peminjam adalah 18 tahun", en: "Borrowers must be at least 18 years old" },
  P03: { code: "P03", id: "Pendapatan bulanan belum mencukupi untuk jumlah pinjaman minimum", en: "Your monthly income is not enough for the smallest loan amount" },
  P04: { code: "P04", id: "Jumlah pinjaman disesuaikan agar cicilan tidak melebihi batas pendapatan Anda", en: "The loan amount was lowered so the instalment fits your income" },
  P05: { code: "P05", id: "Pengajuan Anda sedang ditinjau oleh analis kami", en: "Your application is being reviewed by our analysts" },
} as const satisfies Record<string, BorrowerReason>;

/** The income ratio in force on an ISO date (the model's dated table; the latest entry with from ≤ date). */
export function incomeRatioOn(m: Model, isoDate: string): number {
  const d = isoDate.slice(0, 10);
  const rows = [...m.policy.incomeRatio].sort((a, b) => a.from.localeCompare(b.from));
  let ratio = rows[0].ratio;
  for (const r of rows) if (r.from <= d) ratio = r.ratio;
  return ratio;
}

/**
 * The largest amount ≤ requested, on the model's step grid (or the requested amount itself), whose monthly
 * instalment fits `maxInstalment`; null when even `minAmount` does not fit.
 */
export function fitAmount(requested: number, minAmount: number, step: number, maxInstalment: number, f: (a: number) => number): number | null {
  if (f(requested) <= maxInstalment) return requested;
  // candidates: minAmount, then multiples of step above it, below requested
  let lo = Math.ceil(minAmount / step); // k·step ≥ minAmount
  let hi = Math.floor((requested - 1) / step);
  let best: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (f(mid * step) <= maxInstalment) {
      best = mid * step;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best == null && minAmount < requested && f(minAmount) <= maxInstalment) best = minAmount;
  return best;
}

export function decide(i: DecisionInput): Decision {
  const p = i.model.policy;
  const scoreReasons: BorrowerReason[] = i.scoreReasons.map((r) => ({ code: r.code, id: r.id, en: r.en }));
  const reject = (reasons: BorrowerReason[], note: string): Decision => ({ outcome: "rejected", reasons, offer: null, note });

  if (i.fraud.blockHits.length) return reject([POLICY_REASONS.P01], `fraud block: ${i.fraud.blockHits.join(", ")}`);
  if (i.age == null || i.age < p.minimumAge) return reject([POLICY_REASONS.P02], `age ${i.age ?? "unknown"} below ${p.minimumAge}`);
  if (i.score < p.rejectBelow) return reject(scoreReasons, `score ${i.score} below ${p.rejectBelow}`);

  const income = i.monthlyIncome ?? 0;
  const maxInstalment = Math.floor(income * i.incomeRatio);
  const amount = income > 0 ? fitAmount(i.requestedAmount, i.minAmount, p.offerStep, maxInstalment, i.monthlyInstalmentFor) : null;
  if (amount == null) {
    return reject([POLICY_REASONS.P03, ...scoreReasons].slice(0, 4), `no amount ≥ ${i.minAmount} fits ${Math.round(i.incomeRatio * 100)} % of income ${income}`);
  }
  const lowered = amount < i.requestedAmount;
  const offer: ScoredOffer = {
    principalAmount: amount,
    monthlyInstalmentAmount: i.monthlyInstalmentFor(amount),
    maxMonthlyInstalmentAmount: maxInstalment,
    incomeRatio: i.incomeRatio,
    lowered,
    requestedAmount: i.requestedAmount,
  };
  const withLowered = (rs: BorrowerReason[]) => (lowered ? [POLICY_REASONS.P04, ...rs] : rs).slice(0, 4);

  if (i.fraud.reviewHits.length || i.score < p.approveFrom) {
    const why = i.fraud.reviewHits.length ? `fraud review: ${i.fraud.reviewHits.join(", ")}` : `score ${i.score} below ${p.approveFrom}`;
    return { outcome: "manual_review", reasons: withLowered([POLICY_REASONS.P05, ...scoreReasons]), offer, note: `${why}; offer ${amount}` };
  }
  return { outcome: "approved", reasons: withLowered(scoreReasons), offer, note: `score ${i.score} ≥ ${p.approveFrom}; offer ${amount}${lowered ? " (lowered)" : ""}` };
}
