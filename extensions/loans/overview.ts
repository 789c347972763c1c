// The dashboard overview's `applications` part: applications per day by outcome over the window, the approval
// rate of the decided ones, and counts by status.
import type { OverviewPart } from "../../src/runtime/index.ts";

const APPROVED = ["approved", "accepted", "disbursing", "active", "paid_off"];

export const applicationsOverview: OverviewPart = {
  name: "applications",
  compute(db, { days, since }) {
    const rows = db.all<{ day: string; status: string; n: number }>(
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
    const byStatus = Object.fromEntries(db.all<{ status: string; n: number }>("SELECT status, count(*) AS n FROM applications GROUP BY status").map((r) => [r.status, r.n]));
    return { perDay: [...perDay.values()], approvalRate: approved + rejected > 0 ? approved / (approved + rejected) : null, decided: approved + rejected, byStatus };
  },
};
