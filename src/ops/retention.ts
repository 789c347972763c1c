// Retention by age and count: every backup younger than N days is kept (ad-hoc backups too: several a day are
// fine), plus the newest backup of each of the last M ISO weeks that have backups; the newest backup is always
// kept. Everything else is deleted.

export interface Dated {
  id: string;
  createdAt: string;
}

export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86400000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, "0")}`;
}

export function planRetention<T extends Dated>(backups: T[], keepDaily: number, keepWeekly: number, now: Date = new Date()): { keep: T[]; drop: T[] } {
  const sorted = [...backups].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  const keep = new Set<string>();
  if (sorted.length) keep.add(sorted[0].id);
  const pick = (n: number, bucket: (d: Date) => string) => {
    const seen = new Set<string>();
    for (const b of sorted) {
      const k = bucket(new Date(b.createdAt));
      if (seen.has(k)) continue;
      if (seen.size >= n) break;
      seen.add(k);
      keep.add(b.id);
    }
  };
  const young = now.getTime() - keepDaily * 86_400_000;
  for (const b of sorted) if (Date.parse(b.createdAt) > young) keep.add(b.id);
  pick(keepWeekly, isoWeek);
  return { keep: sorted.filter((b) => keep.has(b.id)), drop: sorted.filter((b) => !keep.has(b.id)) };
}
