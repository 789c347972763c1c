// The dashboard's overview numbers, computed in SQL over whatever domain tables exist. Each part is null when the
// tables it needs are missing (features land over time), so the charts show an empty state instead of failing.
import type { Conn } from "../db/database.ts";

const APPROVED = ["approved", "accepted", "disbursing", "active", "paid_off"];
export const BUCKETS = [
  { key: "lancar", label: "Lancar (0)", min: 0, max: 0 },
  { key: "dpd_1_30", label: "1–30", min: 1, max: 30 },
  { key: "dpd_31_60", label: "31–60", min: 31, max: 60 },
  { key: "dpd_61_90", label: "61–90", min: 61, max: 90 },
  { key: "macet", label: "Macet (>90)", min: 91, max: Number.MAX_SAFE_INTEGER },
] as const;

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

export function overview(conn: Conn, now: Date, days = 30) {
  const since = new Date(now.getTime() - (days - 1) * 86400_000).toISOString().slice(0, 10);
  const applications = safe(() => {
    const rows = conn.all<{ day: string; status: string; n: number }>(
      "SELECT substr(created_at, 1, 10) AS day, status, count(*) AS n FROM applications WHERE created_at >= ? GROUP BY day, status ORDER BY day",
      since,
    );
    const perDay = new Map<string, { day: string; approved: number; rejected: number; manual_review: number; other: number }>();
    for (let i = 0; i < days; i++) {
      const day = new Date(new Date(since + "T00:00:00Z").getTime() + i * 86400_000).toISOString().slice(0, 10);
      perDay.set(day, { day, approved: 0, rejected: 0, manual_review: 0, other: 0 });
    }
    let approved = 0;
    let rejected = 0;
    for (const r of rows) {
      const d = perDay.get(r.day);
      const k = APPROVED.includes(r.status) ? "approved" : r.status === "rejected" ? "rejected" : r.status === "manual_review" ? "manual_review" : "other";
      if (d) d[k] += r.n;
      if (k === "approved") approved += r.n;
      if (k === "rejected") rejected += r.n;
    }
    const byStatus = Object.fromEntries(conn.all<{ status: string; n: number }>("SELECT status, count(*) AS n FROM applications GROUP BY status").map((r) => [r.status, r.n]));
    return { perDay: [...perDay.values()], approvalRate: approved + rejected > 0 ? approved / (approved + rejected) : null, decided: approved + rejected, byStatus };
  });
  const loans = safe(() => {
    const t = conn.get<{ disbursed: number | null; n: number }>(
      "SELECT sum(disbursed_amount) AS disbursed, count(*) AS n FROM loans WHERE disbursed_at IS NOT NULL",
    )!;
    const rows = conn.all<{ dpd: number; outstanding: number | null }>(
      `SELECT l.dpd AS dpd, (SELECT sum(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid)
         FROM installments i WHERE i.loan_id = l.id) AS outstanding
       FROM loans l WHERE l.status IN ('active', 'delinquent')`,
    );
    const buckets = BUCKETS.map((b) => ({ key: b.key, label: b.label, loans: 0, outstandingAmount: 0 }));
    let outstanding = 0;
    let over90 = 0;
    for (const r of rows) {
      const o = r.outstanding ?? 0;
      outstanding += o;
      if (r.dpd > 90) over90 += o;
      const i = BUCKETS.findIndex((b) => r.dpd >= b.min && r.dpd <= b.max);
      const b = buckets[i < 0 ? 0 : i];
      b.loans++;
      b.outstandingAmount += o;
    }
    return { disbursedAmount: t.disbursed ?? 0, disbursedLoans: t.n, outstandingAmount: outstanding, activeLoans: rows.length, twp90: outstanding > 0 ? over90 / outstanding : null, buckets };
  });
  return { since, days, applications, loans };
}
