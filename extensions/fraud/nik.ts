// NIK (Nomor Induk Kependudukan) structure: PP KK CC DDMMYY SSSS (16 digits).
//   PP   province code (Kemendagri, including the 2022 Papua provinces)
//   KK   regency/city code (01–99, never 00)      CC  district code (never 00)
//   DDMMYY birth date; women add 40 to the day    SSSS sequence, never 0000
// Pure functions: no I/O.

/** Province codes as of the 2022+ provinces (Papua Selatan/Tengah/Pegunungan 2022, Papua Barat Daya 2022). */
export const PROVINCE_CODES: Readonly<Record<string, string>> = Object.freeze({
  "11": "Aceh",
  "12": "Sumatera Utara",
  "13": "Sumatera Barat",
  "14": "Riau",
  "15": "Jambi",
  "16": "Sumatera Selatan",
  "17": "Bengkulu",
  "18": "Lampung",
  "19": "Kepulauan Bangka Belitung",
  "21": "Kepulauan Riau",
  "31": "DKI Jakarta",
  "32": "Jawa Barat",
  "33": "Jawa Tengah",
  "34": "DI Yogyakarta",
  "35": "Jawa Timur",
  "36": "Banten",
  "51": "Bali",
  "52": "Nusa Tenggara Barat",
  "53": "Nusa Tenggara Timur",
  "61": "Kalimantan Barat",
  "62": "Kalimantan Tengah",
  "63": "Kalimantan Selatan",
  "64": "Kalimantan Timur",
  "65": "Kalimantan Utara",
  "71": "Sulawesi Utara",
  "72": "Sulawesi Tengah",
  "73": "Sulawesi Selatan",
  "74": "Sulawesi Tenggara",
  "75": "Gorontalo",
  "76": "Sulawesi Barat",
  "81": "Maluku",
  "82": "Maluku Utara",
  "91": "Papua",
  "92": "Papua Barat",
  "93": "Papua Selatan",
  "94": "Papua Tengah",
  "95": "Papua Pegunungan",
  "96": "Papua Barat Daya",
});

export type Sex = "M" | "F";

export interface NikParts {
  province: string;
  regency: string;
  district: string;
  /** Day as written (women: +40). */
  rawDay: number;
  day: number;
  month: number;
  /** Two-digit year. */
  yy: number;
  sex: Sex;
  sequence: string;
}

/** Split a 16-digit NIK into its parts; null when it is not 16 digits. No validity checks beyond the shape. */
export function parseNik(nik: string): NikParts | null {
  if (!/^\d{16}$/.test(nik)) return null;
  const rawDay = Number(nik.slice(6, 8));
  const sex: Sex = rawDay > 40 ? "F" : "M";
  return {
    province: nik.slice(0, 2),
    regency: nik.slice(2, 4),
    district: nik.slice(4, 6),
    rawDay,
    day: sex === "F" ? rawDay - 40 : rawDay,
    month: Number(nik.slice(8, 10)),
    yy: Number(nik.slice(10, 12)),
    sex,
    sequence: nik.slice(12, 16),
  };
}

export function isValidDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= dim;
}

/** Parse YYYY-MM-DD strictly (a real calendar date). */
export function parseIsoDate(s: string | null | undefined): { year: number; month: number; day: number } | null {
  if (!s) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidDate(year, month, day) ? { year, month, day } : null;
}

export type NikIssue =
  | { code: "format"; detail: string }
  | { code: "region"; detail: string }
  | { code: "date"; detail: string }
  | { code: "sequence"; detail: string }
  | { code: "dob_mismatch"; detail: string }
  | { code: "sex_mismatch"; detail: string };

/**
 * Every structural problem of a NIK, checked against the declared birth date (YYYY-MM-DD) and sex when given.
 * An empty list means the NIK is well formed and agrees with the declaration.
 */
export function nikIssues(nik: string, declared: { birthDate?: string | null; sex?: Sex | null } = {}): NikIssue[] {
  const p = parseNik(nik);
  if (!p) return [{ code: "format", detail: "NIK must be exactly 16 digits" }];
  const issues: NikIssue[] = [];
  if (!(p.province in PROVINCE_CODES)) issues.push({ code: "region", detail: `unknown province code ${p.province}` });
  else if (p.regency === "00" || p.district === "00") issues.push({ code: "region", detail: "regency and district codes cannot be 00" });
  if (p.sequence === "0000") issues.push({ code: "sequence", detail: "sequence number cannot be 0000" });

  const dob = parseIsoDate(declared.birthDate ?? null);
  // Day 01–31 for men, 41–71 for women; anything else (00, 32–40, 72+) is not a date.
  const dayOk = (p.rawDay >= 1 && p.rawDay <= 31) || (p.rawDay >= 41 && p.rawDay <= 71);
  // Two-digit year: valid when the date exists in the declared century, or (no declaration) in 19yy or 20yy.
  const years = dob ? [dob.year - (dob.year % 100) + p.yy] : [1900 + p.yy, 2000 + p.yy];
  const dateOk = dayOk && years.some((y) => isValidDate(y, p.month, p.day));
  if (!dateOk) {
    issues.push({ code: "date", detail: `birth date part ${nik.slice(6, 12)} is not a valid DDMMYY date (women add 40 to the day)` });
  } else if (dob && (dob.day !== p.day || dob.month !== p.month || dob.year % 100 !== p.yy)) {
    issues.push({ code: "dob_mismatch", detail: `NIK birth date ${pad(p.day)}-${pad(p.month)}-${pad(p.yy)} does not match declared ${declared.birthDate}` });
  }
  if (dateOk && declared.sex && declared.sex !== p.sex) {
    issues.push({ code: "sex_mismatch", detail: `NIK encodes sex ${p.sex} (day ${pad(p.rawDay)}) but ${declared.sex} was declared` });
  }
  return issues;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Build a NIK (tests and fixtures): women get +40 on the day. */
export function makeNik(opts: { province?: string; regency?: string; district?: string; birthDate: string; sex: Sex; sequence?: string }): string {
  const d = parseIsoDate(opts.birthDate);
  if (!d) throw new Error(`bad birth date ${opts.birthDate}`);
  const day = opts.sex === "F" ? d.day + 40 : d.day;
  return `${opts.province ?? "32"}${opts.regency ?? "73"}${opts.district ?? "01"}${pad(day)}${pad(d.month)}${pad(d.year % 100)}${opts.sequence ?? "0001"}`;
}

/** Mask an identifier for evidence and logs: keep the last 4 characters. */
export function mask(value: string | null | undefined, keep = 4): string | null {
  if (value == null) return null;
  if (value.length <= keep) return "*".repeat(value.length);
  return "*".repeat(value.length - keep) + value.slice(-keep);
}
