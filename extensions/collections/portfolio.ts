import { BUCKETS, type Bucket } from "../../schemas/enums.ts";
// Portfolio figures, pure: outstanding by bucket, TWP90 / TKB90 and roll rates. Money stays integer rupiah;
// only ratios are fractions (rounded to 6 decimals).

export interface PortfolioLoan {
  bucket: Bucket;
  dpd: number;
  outstandingAmount: number;
}

export interface BucketFigure {
  bucket: Bucket;
  loans: number;
  outstandingAmount: number;
}

export interface PortfolioSummary {
  buckets: BucketFigure[];
  loans: number;
  totalOutstandingAmount: number;
  /** Outstanding of loans more than 90 DPD. */
  outstandingOver90Amount: number;
  /** outstanding > 90 DPD ÷ total outstanding (0 for an empty book). */
  twp90: number;
  /** 1 − TWP90 */
  tkb90: number;
}

export const ratio = (num: number, den: number) => (den <= 0 ? 0 : Math.round((num / den) * 1e6) / 1e6);

export function summarise(loans: Iterable<PortfolioLoan>): PortfolioSummary {
  const by = new Map<Bucket, BucketFigure>(BUCKETS.map((b) => [b, { bucket: b, loans: 0, outstandingAmount: 0 }]));
  let total = 0;
  let over90 = 0;
  let n = 0;
  for (const l of loans) {
    const f = by.get(l.bucket)!;
    f.loans++;
    f.outstandingAmount += l.outstandingAmount;
    total += l.outstandingAmount;
    if (l.dpd > 90) over90 += l.outstandingAmount;
    n++;
  }
  return fromBuckets([...by.values()], over90, n, total);
}

/** The same summary from per-bucket sums (what the SQL aggregate returns); > 90 DPD is the Macet bucket. */
export function fromBuckets(rows: BucketFigure[], over90?: number, loans?: number, total?: number): PortfolioSummary {
  const by = new Map<Bucket, BucketFigure>(BUCKETS.map((b) => [b, { bucket: b, loans: 0, outstandingAmount: 0 }]));
  for (const r of rows) {
    const f = by.get(r.bucket);
    if (f) {
      f.loans = r.loans;
      f.outstandingAmount = r.outstandingAmount;
    }
  }
  const buckets = [...by.values()];
  const t = total ?? buckets.reduce((s, b) => s + b.outstandingAmount, 0);
  const o = over90 ?? by.get("macet")!.outstandingAmount;
  const twp90 = ratio(o, t);
  return {
    buckets,
    loans: loans ?? buckets.reduce((s, b) => s + b.loans, 0),
    totalOutstandingAmount: t,
    outstandingOver90Amount: o,
    twp90,
    tkb90: t <= 0 ? 1 : Math.round((1 - o / t) * 1e6) / 1e6,
  };
}

export interface Transition {
  from: Bucket;
  to: Bucket;
  loans: number;
  outstandingAmount: number;
}

export interface RollRateRow {
  from: Bucket;
  /** Loans in `from` at the start of the period. */
  loans: number;
  /** Share of those loans (by count) in each bucket at the end of the period. */
  to: Record<Bucket, number>;
  /** Share rolling forward to a worse bucket. */
  rollForward: number;
  /** Share cured back to Lancar. */
  cured: number;
}

/** Roll rates from bucket-to-bucket counts between two snapshots (loans closed in between drop out). */
export function rollRates(transitions: Iterable<Transition>): RollRateRow[] {
  const counts = new Map<Bucket, Map<Bucket, number>>(BUCKETS.map((b) => [b, new Map()]));
  for (const t of transitions) {
    const m = counts.get(t.from);
    if (m) m.set(t.to, (m.get(t.to) ?? 0) + t.loans);
  }
  return BUCKETS.map((from) => {
    const m = counts.get(from)!;
    const loans = [...m.values()].reduce((s, x) => s + x, 0);
    const to = Object.fromEntries(BUCKETS.map((b) => [b, ratio(m.get(b) ?? 0, loans)])) as Record<Bucket, number>;
    const fi = BUCKETS.indexOf(from);
    let fwd = 0;
    for (const b of BUCKETS.slice(fi + 1)) fwd += m.get(b) ?? 0;
    return { from, loans, to, rollForward: ratio(fwd, loans), cured: ratio(m.get("lancar") ?? 0, loans) };
  });
}
