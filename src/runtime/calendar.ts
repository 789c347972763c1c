// Calendar dates (YYYY-MM-DD) and the Asia/Jakarta clock. Jakarta is UTC+7 all year (no daylight saving), so a fixed
// offset is exact: business dates (pricing, due dates, the daily sweep, regulatory dates) are Jakarta calendar days.

/** Asia/Jakarta's offset from UTC. */
export const JAKARTA_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Asia/Jakarta calendar date (YYYY-MM-DD) of an instant. */
export function jakartaDate(at: Date | string | number): string {
  return new Date(new Date(at).getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Asia/Jakarta wall-clock hour (0–23) and minute of an instant. */
export function jakartaTime(at: Date): { hour: number; minute: number } {
  const d = new Date(at.getTime() + JAKARTA_OFFSET_MS);
  return { hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/** The instant of hh:mm Asia/Jakarta on a calendar date. */
export function jakartaInstant(date: string, hour = 0, minute = 0): Date {
  const [y, m, d] = date.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, hour, minute) - JAKARTA_OFFSET_MS);
}

function dayNumber(date: string): number {
  const [y, m, d] = date.slice(0, 10).split("-").map(Number);
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

/** Whole calendar days from `from` to `to` (YYYY-MM-DD, a longer ISO string counts by its date); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** The calendar date `days` after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** The same day of the month `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.slice(0, 10).split("-").map(Number);
  const last = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, last))).toISOString().slice(0, 10);
}
