// A record's history from the business audit trail (GET /api/v1/admin/audit?entityType=…&entityId=…): who did what
// and when (WIB), the reason, and what changed (before → after) in words. Also the pieces the Audit trail page
// shares: event labels and the readable change list.
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, qs } from "../api.ts";
import { dateTimeWib, number, rupiah } from "../format.ts";
import { useI18n, type I18n } from "../i18n/index.tsx";
import { QueryView } from "./QueryView.tsx";

export interface AuditEntry {
  id: number;
  at: string;
  event: string;
  actor: { id: string; name: string | null; role: string | null } | null;
  user: { id: string; name: string | null; role: string | null } | null;
  entityType: string | null;
  entityId: string | null;
  reason: string | null;
  before?: unknown;
  after?: unknown;
  details: Record<string, unknown>;
  ip?: string | null;
}
export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

export const AUDIT_PATH = "/api/v1/admin/audit";

/** Event names in words (en, id); others are shown humanised. */
export const EVENT_LABELS: Record<string, [string, string]> = {
  "login.success": ["Signed in", "Masuk"],
  "login.failure": ["Sign-in failed", "Gagal masuk"],
  "login.locked": ["Sign-in while locked", "Masuk saat terkunci"],
  "account.lockout": ["Account locked", "Akun terkunci"],
  "otp.requested": ["OTP requested", "OTP diminta"],
  "otp.failure": ["OTP failed", "OTP gagal"],
  "token.reuse": ["Token reused", "Token dipakai ulang"],
  logout: ["Signed out", "Keluar"],
  "user.created": ["User created", "Pengguna dibuat"],
  "passkey.registered": ["Passkey added", "Passkey ditambahkan"],
  "passkey.deleted": ["Passkey removed", "Passkey dihapus"],
  "role.changed": ["Role changed", "Peran diubah"],
  "application.decided": ["Application decided", "Pengajuan diputuskan"],
  "product.created": ["Product created", "Produk dibuat"],
  "product.updated": ["Product changed", "Produk diubah"],
  "product.retired": ["Product retired", "Produk dihentikan"],
  "blocklist.added": ["Blocked", "Diblokir"],
  "blocklist.removed": ["Unblocked", "Blokir dicabut"],
  "fraud_rule.changed": ["Fraud rule changed", "Aturan fraud diubah"],
  "loan.written_off": ["Written off", "Dihapusbukukan"],
  "loan.refunded": ["Refund recorded", "Pengembalian dana dicatat"],
  "payment.resolved": ["Payment resolved", "Pembayaran diselesaikan"],
  "settings.changed": ["Settings changed", "Pengaturan diubah"],
  "ledger.funding_recorded": ["Funding recorded", "Pendanaan dicatat"],
  "pii.viewed": ["Personal data viewed", "Data pribadi dilihat"],
  "approval.proposed": ["Proposed for approval", "Diajukan untuk persetujuan"],
  "approval.approved": ["Approved", "Disetujui"],
  "approval.rejected": ["Rejected", "Ditolak"],
  "approval.expired": ["Proposal expired", "Pengajuan kedaluwarsa"],
  "job.retried": ["Job retried", "Tugas diulang"],
  "staff.created": ["Staff created", "Staf dibuat"],
  "collection.note_added": ["Collection note", "Catatan penagihan"],
};

/** Record kinds in words (en, id). */
export const ENTITY_LABELS: Record<string, [string, string]> = {
  loan: ["Loan", "Pinjaman"],
  application: ["Application", "Pengajuan"],
  product: ["Product", "Produk"],
  payment: ["Payment", "Pembayaran"],
  blocklist: ["Blocklist entry", "Entri daftar blokir"],
  fraud_rule: ["Fraud rule", "Aturan fraud"],
  settings: ["Settings", "Pengaturan"],
  approval_policy: ["Approval policy", "Kebijakan persetujuan"],
  journal: ["Journal", "Jurnal"],
  user: ["User", "Pengguna"],
  staff: ["Staff member", "Staf"],
};

const pick = (table: Record<string, [string, string]>, key: string, lang: string, fallback: string) => (Object.hasOwn(table, key) ? table[key]![lang === "id" ? 1 : 0] : fallback);

export function eventLabel(event: string, lang: string): string {
  return pick(EVENT_LABELS, event, lang, event.replace(/[._]/g, " ").replace(/^./, (c) => c.toUpperCase()));
}
export function entityLabel(type: string, lang: string): string {
  return pick(ENTITY_LABELS, type, lang, type.replace(/_/g, " "));
}

/** Where a record of this kind is shown in the dashboard, if anywhere. */
export function entityLink(type: string | null, id: string | null): string | null {
  if (!type || !id) return null;
  if (type === "loan") return `/loans/${encodeURIComponent(id)}`;
  if (type === "application") return `/applications/${encodeURIComponent(id)}`;
  return null;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One value in words: rupiah for amounts, WIB for instants, yes/no, labels for statuses. */
function show(key: string, v: unknown, i18n: I18n): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return v ? i18n.t("yes", "ya") : i18n.t("no", "tidak");
  if (typeof v === "number") return /amount$/i.test(key) ? rupiah(v) : number(v);
  if (typeof v === "string") {
    if (/(At|_at)$/.test(key) && !Number.isNaN(Date.parse(v))) return dateTimeWib(v);
    if (/^(status|severity|kind|source|decision)$/.test(key)) return i18n.val(v);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => show(key, x, i18n)).join(", ");
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${i18n.col(snake(k))}: ${show(k, x, i18n)}`)
    .join("; ");
}

/** What changed, line by line: `field: before → after` (only what differs), or the whole record added/removed. */
export function Changes({ before, after }: { before?: unknown; after?: unknown }) {
  const i18n = useI18n();
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (before === undefined && after === undefined) return null;
  const b = isObj(before) ? before : null;
  const a = isObj(after) ? after : null;
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter((k) => k !== "createdAt" && k !== "updatedAt");
  const rows = keys
    .map((k) => ({ k, from: b ? b[k] : undefined, to: a ? a[k] : undefined }))
    .filter((r) => (r.from ?? null) !== null || (r.to ?? null) !== null)
    .filter((r) => !(b && a) || JSON.stringify(r.from) !== JSON.stringify(r.to));
  if (!rows.length) return <span className="muted">{i18n.t("no change", "tidak ada perubahan")}</span>;
  return (
    <ul className="changes" data-testid="changes">
      {rows.map((r) => (
        <li key={r.k}>
          <span className="change-field">{i18n.col(snake(r.k))}</span>:{" "}
          {b && a ? (
            <>
              <del>{show(r.k, r.from, i18n)}</del> → <ins>{show(r.k, r.to, i18n)}</ins>
            </>
          ) : a ? (
            <ins>{show(r.k, r.to, i18n)}</ins>
          ) : (
            <del>{show(r.k, r.from, i18n)}</del>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Other facts of an entry (amount, approval, fields viewed…), in words. */
export function Facts({ details }: { details: Record<string, unknown> }) {
  const i18n = useI18n();
  const entries = Object.entries(details).filter(([, v]) => v !== null && v !== undefined);
  if (!entries.length) return null;
  return (
    <span className="muted facts" style={{ overflowWrap: "anywhere" }}>
      {entries.map(([k, v]) => `${i18n.col(snake(k))}: ${show(k, v, i18n)}`).join(" · ")}
    </span>
  );
}

export function actorName(e: AuditEntry, t: I18n["t"]): string {
  if (!e.actor) return e.user?.name ?? t("system", "sistem");
  return e.actor.name ?? e.actor.id;
}

/** Entries of the audit trail for a query, newest first, a page at a time (query key `["audit", ...key]`). */
export function useAuditEntries(key: unknown[], query: Record<string, string | undefined>, limit: number) {
  const q = useInfiniteQuery({
    queryKey: ["audit", ...key],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => api<AuditPage>(`${AUDIT_PATH}${qs({ ...query, limit, cursor: pageParam })}`),
    getNextPageParam: (p) => p.nextCursor,
  });
  return { q, items: q.data?.pages.flatMap((p) => p.items) ?? [] };
}

/** "Load more" under a list of audit entries, while there are more. */
export function LoadMore({ q }: { q: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown } }) {
  const { t } = useI18n();
  if (!q.hasNextPage) return null;
  return (
    <button type="button" className="secondary" disabled={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
      {t("Load more", "Muat lagi")}
    </button>
  );
}

/** An entry's reason and what it changed or recorded, in words. */
export function EntryDetails({ e }: { e: AuditEntry }) {
  const { t } = useI18n();
  return (
    <>
      {e.reason && (
        <div>
          {t("Reason", "Alasan")}: {e.reason}
        </div>
      )}
      <Changes before={e.before} after={e.after} />
      <Facts details={e.details} />
    </>
  );
}

/** The history of one record, newest first, with "Load more". */
export function History({ entityType, entityId, title }: { entityType: string; entityId: string; title?: string }) {
  const { t, lang } = useI18n();
  const { q, items } = useAuditEntries(["history", entityType, entityId], { entityType, entityId }, 25);
  return (
    <section className="card history" data-testid="history">
      <h2>{title ?? t("History", "Riwayat")}</h2>
      <QueryView q={q} empty={items.length === 0 && <p className="muted">{t("Nothing recorded yet.", "Belum ada catatan.")}</p>}>
        {() => (
          <ol className="history-list">
            {items.map((e) => (
              <li key={e.id} data-event={e.event}>
                <div>
                  <strong>{eventLabel(e.event, lang)}</strong> · {actorName(e, t)} · <time dateTime={e.at}>{dateTimeWib(e.at)}</time>
                </div>
                <EntryDetails e={e} />
              </li>
            ))}
          </ol>
        )}
      </QueryView>
      <LoadMore q={q} />
    </section>
  );
}

/** Link to a record from an audit row (its page when the dashboard has one). */
export function EntityRef({ type, id }: { type: string | null; id: string | null }) {
  const { lang } = useI18n();
  if (!type || !id) return <span className="muted">—</span>;
  const to = entityLink(type, id);
  const text = `${entityLabel(type, lang)} ${id}`;
  return to ? <Link to={to}>{text}</Link> : <span>{text}</span>;
}
