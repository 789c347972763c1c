// Staff search from one box (GET /api/v1/admin/search?q=): borrowers by name, by phone typed the local way
// (0812-3456-7890, 62812…, +62812…: normalised to +62…) and by NIK, and applications and loans by id (the whole id
// or its first 8+ characters). Phone and NIK match exactly, never by part, so a role that sees them masked can find a
// borrower whose number it holds but cannot fish for numbers; every result shows the personal data as the caller's
// role may see it (./personal-data.ts), never more than the record APIs show.
import { defineRoute, z, type ExtensionContext } from "../../../src/runtime/index.ts";
import { PII } from "../personal-data.ts";

const MAX_RESULTS = 20;

/** An Indonesian mobile number typed any usual way as E.164 (+628…), or null when it is not one. */
export function searchPhone(q: string): string | null {
  const s = q.replace(/[\s().-]/g, "");
  const m = /^(?:\+62|62|0)(8\d{8,11})$/.exec(s);
  return m ? `+62${m[1]}` : null;
}

/** A 16-digit NIK (spaces and dots allowed as typed from a KTP), or null. */
export function searchNik(q: string): string | null {
  const s = q.replace(/[\s.]/g, "");
  return /^\d{16}$/.test(s) ? s : null;
}

export type SearchKind = "phone" | "nik" | "id" | "name";

const Result = z.object({
  type: z.enum(["borrower", "application", "loan"]),
  id: z.string(),
  /** The borrower's name (KYC full name, else the display name). */
  name: z.string().nullable(),
  phone: z.string().nullable().optional(),
  nik: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  userId: z.string().nullable().optional(),
  principalAmount: z.number().int().nullable().optional(),
  dpd: z.number().int().nullable().optional(),
  createdAt: z.string().nullable().optional(),
});
type Result = z.infer<typeof Result>;

const SearchResponse = z.object({
  matchedAs: z.array(z.enum(["phone", "nik", "id", "name"])),
  results: z.array(Result),
});

const EXAMPLE = {
  matchedAs: ["phone" as const],
  results: [
    { type: "borrower" as const, id: "0193a1b2-0000-7000-8000-0000000000b1", name: "Siti Aminah", phone: "+62812*****890", nik: "3174********0001", status: "active", createdAt: "2026-03-01T08:00:00.000Z" },
    { type: "loan" as const, id: "0193a1b2-0000-7000-8000-0000000000c1", name: "Siti Aminah", userId: "0193a1b2-0000-7000-8000-0000000000b1", status: "active", principalAmount: 5_000_000, dpd: 0, createdAt: "2026-03-02T08:00:00.000Z" },
  ],
};

interface BorrowerRow {
  id: string;
  display_name: string | null;
  phone: string | null;
  status: string;
  created_at: string;
  full_name: string | null;
  nik: string | null;
}

const BORROWER = `SELECT u.id, u.display_name, u.phone, u.status, u.created_at, p.full_name, p.nik
  FROM users u LEFT JOIN borrower_profiles p ON p.user_id = u.id WHERE u.role = 'borrower'`;

/** The upper bound of an id-prefix range: every id that starts with `prefix` sorts below it (the index is used). */
const prefixEnd = (prefix: string) => `${prefix}\u{10FFFF}`;

export function search(ctx: ExtensionContext, raw: string): z.infer<typeof SearchResponse> {
  const role = ctx.user!.role;
  const q = raw.trim();
  const phone = searchPhone(q);
  const nik = searchNik(q);
  const matchedAs: SearchKind[] = [];
  const borrowers = new Map<string, BorrowerRow>();
  const add = (rows: BorrowerRow[]) => rows.forEach((r) => borrowers.set(r.id, r));
  if (phone) {
    matchedAs.push("phone");
    add(ctx.db.all<BorrowerRow>(`${BORROWER} AND u.phone = ?`, phone));
  }
  if (nik) {
    matchedAs.push("nik");
    add(ctx.db.all<BorrowerRow>(`${BORROWER} AND p.nik = ?`, nik));
  }
  const loans: Record<string, unknown>[] = [];
  const applications: Record<string, unknown>[] = [];
  // ids: the whole id, or a prefix of 8+ characters (uuid v7 ids: the first 8 are a time, so prefixes are short lists)
  if (!phone && !nik && /^[0-9A-Za-z-]{8,64}$/.test(q)) {
    const lo = q.toLowerCase();
    const hi = prefixEnd(lo);
    const apps = ctx.db.all<Record<string, unknown>>("SELECT id, user_id, status, principal_amount, created_at FROM applications WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", lo, hi, MAX_RESULTS);
    const ls = ctx.db.all<Record<string, unknown>>("SELECT id, user_id, status, principal_amount, dpd, created_at FROM loans WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", lo, hi, MAX_RESULTS);
    const us = ctx.db.all<BorrowerRow>(`${BORROWER} AND u.id >= ? AND u.id < ? ORDER BY u.id LIMIT ?`, lo, hi, MAX_RESULTS);
    if (apps.length || ls.length || us.length) matchedAs.push("id");
    applications.push(...apps);
    loans.push(...ls);
    add(us);
  }
  // names: borrowers whose KYC full name or display name contains the text (letters, not digits)
  if (!phone && !nik && /\p{L}/u.test(q) && q.length >= 2) {
    const term = `%${q.replace(/[\\%_]/g, (m) => "\\" + m)}%`;
    const rows = ctx.db.all<BorrowerRow>(`${BORROWER} AND (p.full_name LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\') ORDER BY u.created_at DESC LIMIT ?`, term, term, MAX_RESULTS);
    if (rows.length) matchedAs.push("name");
    add(rows);
  }
  // a borrower found by phone or NIK brings their loans and applications, so the account is one click away
  const found = [...borrowers.values()].slice(0, MAX_RESULTS);
  if ((phone || nik) && found.length) {
    const ids = found.map((b) => b.id);
    const marks = ids.map(() => "?").join(", ");
    loans.push(...ctx.db.all<Record<string, unknown>>(`SELECT id, user_id, status, principal_amount, dpd, created_at FROM loans WHERE user_id IN (${marks}) ORDER BY created_at DESC LIMIT ?`, ...ids, MAX_RESULTS));
    applications.push(...ctx.db.all<Record<string, unknown>>(`SELECT id, user_id, status, principal_amount, created_at FROM applications WHERE user_id IN (${marks}) ORDER BY created_at DESC LIMIT ?`, ...ids, MAX_RESULTS));
  }
  // the borrower names of loans and applications
  const owners = new Set([...loans, ...applications].map((r) => String(r.user_id)).filter((id) => !borrowers.has(id)));
  if (owners.size) {
    const ids = [...owners];
    add(ctx.db.all<BorrowerRow>(`${BORROWER} AND u.id IN (${ids.map(() => "?").join(", ")})`, ...ids));
  }
  const nameOf = (userId: unknown) => {
    const b = borrowers.get(String(userId));
    return b ? (b.full_name ?? b.display_name) : null;
  };
  const results: Result[] = [];
  // borrower pages are open to the roles that read borrower records (finance works from loans and payments)
  if (role === "admin" || role === "analyst") {
    for (const b of found) {
      results.push({
        type: "borrower",
        id: b.id,
        name: b.full_name ?? b.display_name,
        phone: (PII.show("borrower.phone", role, b.phone) as string | null | undefined) ?? null,
        nik: (PII.show("borrower.nik", role, b.nik) as string | null | undefined) ?? null,
        status: b.status,
        createdAt: b.created_at,
      });
    }
  }
  const seen = new Set<string>();
  for (const l of loans) {
    if (seen.has(`l${l.id}`)) continue;
    seen.add(`l${l.id}`);
    results.push({ type: "loan", id: String(l.id), name: nameOf(l.user_id), userId: String(l.user_id), status: String(l.status), principalAmount: Number(l.principal_amount), dpd: Number(l.dpd ?? 0), createdAt: String(l.created_at) });
  }
  for (const a of applications) {
    if (seen.has(`a${a.id}`)) continue;
    seen.add(`a${a.id}`);
    results.push({ type: "application", id: String(a.id), name: nameOf(a.user_id), userId: String(a.user_id), status: String(a.status), principalAmount: Number(a.principal_amount), createdAt: String(a.created_at) });
  }
  return { matchedAs, results: results.slice(0, MAX_RESULTS * 3) };
}

export const adminSearch = defineRoute({
  method: "get",
  path: "/api/v1/admin/search",
  summary: "Find borrowers, applications and loans from one box: name, phone (0812…), NIK or id",
  description:
    "A phone typed the local way (`0812-3456-7890`, `62812…`, `+62812…`) is normalised to `+62…` and matched exactly; a 16-digit NIK is matched exactly; " +
    "an application, loan or borrower id matches whole or by its first 8+ characters; other text matches borrower names. A borrower found by phone or NIK " +
    "brings their loans and applications. Phone and NIK are shown as the caller's role may see them (masked for analysts and finance). " +
    "Borrower results are for admin and analyst; finance gets the loans and applications.",
  tags: ["Admin"],
  access: ["admin", "analyst", "finance"],
  request: { query: z.object({ q: z.string().trim().min(2).max(100).openapi({ description: "name, phone, NIK or id", example: "0812-3456-7890" }) }) },
  responses: {
    200: { description: "What matched, borrowers first", schema: SearchResponse, example: EXAMPLE },
    401: { description: "Not signed in" },
    403: { description: "Not staff" },
    422: { description: "q missing, shorter than 2 or longer than 100 characters" },
  },
  handler: (req, ctx) => ({ status: 200, body: search(ctx, req.query.q) }),
});
