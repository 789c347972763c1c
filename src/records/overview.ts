// The dashboard's overview (GET /api/v1/admin/overview): the parts the extensions contribute, each computed over
// the window. A part that throws (its tables missing: features land over time) is null, so the charts show an
// empty state instead of failing.
import type { Sql } from "../runtime/types.ts";
import type { OverviewPart } from "../runtime/types.ts";

export function overview(db: Sql, parts: readonly OverviewPart[], now: Date, days = 30): Record<string, unknown> {
  const since = new Date(now.getTime() - (days - 1) * 86400_000).toISOString().slice(0, 10);
  const out: Record<string, unknown> = { since, days };
  for (const p of parts) {
    try {
      out[p.name] = p.compute(db, { now, days, since });
    } catch {
      out[p.name] = null;
    }
  }
  return out;
}
