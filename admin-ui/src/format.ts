// How the dashboard shows values: times in WIB (Asia/Jakarta, UTC+7, no daylight saving), rupiah, numbers and
// percentages in the id-ID format (1.234.567; 12,5 %), whatever the browser's own locale or time zone.
// Pure functions over Intl, shared by every page; `format.test.ts` pins the exact strings.

export const TIME_ZONE = "Asia/Jakarta";
const NUMBER = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 2 });
const parts = (opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hourCycle: "h23", ...opts });
const DATE_TIME = parts({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
const DATE_TIME_SECONDS = parts({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
const DATE = parts({ year: "numeric", month: "2-digit", day: "2-digit" });

function pick(f: Intl.DateTimeFormat, d: Date) {
  const o: Record<string, string> = {};
  for (const p of f.formatToParts(d)) o[p.type] = p.value;
  return o;
}

function toDate(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === "number" && Number.isFinite(v)) return new Date(v);
  if (typeof v !== "string" || !v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** An instant as `dd/mm/yyyy hh:mm WIB`; "—" when missing; the raw text when it is not a time. */
export function dateTimeWib(v: unknown, opts: { seconds?: boolean } = {}): string {
  const d = toDate(v);
  if (!d) return typeof v === "string" && v ? v : "—";
  const p = pick(opts.seconds ? DATE_TIME_SECONDS : DATE_TIME, d);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}${opts.seconds ? `:${p.second}` : ""} WIB`;
}

/**
 * A calendar date as `dd/mm/yyyy`. A plain `yyyy-mm-dd` (a due date, a business date: already a Jakarta date) is
 * shown as it is; a full instant is converted to its date in WIB.
 */
export function dateWib(v: unknown): string {
  if (typeof v === "string") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  }
  const d = toDate(v);
  if (!d) return typeof v === "string" && v ? v : "—";
  const p = pick(DATE, d);
  return `${p.day}/${p.month}/${p.year}`;
}

/** The WIB calendar date (`yyyy-mm-dd`) of an instant: for from/to filters typed as Jakarta dates. */
export function isoDateWib(d: Date = new Date()): string {
  const p = pick(DATE, d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The UTC instant at which a Jakarta calendar date starts (`2026-12-01` → `2026-11-30T17:00:00.000Z`). */
export function startOfDayWib(isoDate: string): string {
  return new Date(`${isoDate}T00:00:00+07:00`).toISOString();
}
/** The UTC instant at which a Jakarta calendar date ends (last millisecond). */
export function endOfDayWib(isoDate: string): string {
  return new Date(new Date(`${isoDate}T00:00:00+07:00`).getTime() + 86_400_000 - 1).toISOString();
}

/** Whole rupiah in id-ID: `Rp 1.234.567`, negatives `−Rp 1.234`; "—" when not a number. */
export function rupiah(n: unknown): string {
  if (typeof n === "bigint") n = Number(n);
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  return `${n < 0 ? "−" : ""}Rp ${NUMBER.format(Math.abs(n))}`;
}

/** A count or plain number in id-ID (`12.345`, `0,75`). */
export function number(n: unknown): string {
  if (typeof n !== "number" || !Number.isFinite(n)) return "—";
  return Number.isInteger(n) ? NUMBER.format(n) : DECIMAL.format(n);
}

/** A ratio (0.125) as a percentage in id-ID: `12,5 %`. */
export function percentOfRatio(r: unknown, digits = 2): string {
  if (typeof r !== "number" || !Number.isFinite(r)) return "—";
  return `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: digits }).format(r * 100)} %`;
}

/** Basis points (125 = 1,25 %) as a percentage in id-ID. */
export function percentOfBps(bps: unknown, digits = 3): string {
  if (typeof bps !== "number" || !Number.isFinite(bps)) return "—";
  return `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: digits }).format(bps / 100)} %`;
}

/**
 * A percentage typed by staff ("0,3", "0.3", "12,5 %") as a number of percent, or null when it is not one.
 * Both the Indonesian decimal comma and a dot are accepted; thousands separators are not (a rate has none).
 */
export function parsePercent(text: string): number | null {
  const t = text.trim().replace(/\s*%$/, "").replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** An Indonesian phone number shown in local form: `+6281234567890` → `0812-3456-7890` (masked ones as they are). */
export function phoneLocal(v: unknown): string {
  if (typeof v !== "string" || !v) return "—";
  const m = /^\+62(\d{3})(\d{4})(\d{1,5})$/.exec(v);
  return m ? `0${m[1]}-${m[2]}-${m[3]}` : v.startsWith("+62") ? `0${v.slice(3)}` : v;
}
