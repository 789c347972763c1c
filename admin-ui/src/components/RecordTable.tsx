// A paginated, filterable, sortable table over one record API (/api/v1/records/{name}).
import { useMemo, useState, type ReactNode } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, ApiError, dateTime, dateWib, number, percentOfBps, phoneLocal, qs, rupiah } from "../api.ts";
import { endOfDayWib, isoDateWib, startOfDayWib } from "../format.ts";
import { useI18n, type I18n } from "../i18n/index.tsx";
import { useAuth } from "../auth.tsx";
import { Empty, ErrorState, Loading, NotAvailable } from "./States.tsx";

export interface ColumnInfo {
  name: string;
  type: "text" | "integer" | "real";
  filter: ("eq" | "in" | "gte" | "lte")[];
  sortable: boolean;
  search: boolean;
  masked: boolean;
}
export interface RecordInfo {
  name: string;
  label: string;
  idColumn: string;
  defaultSort: { column: string; dir: "asc" | "desc" };
  columns: ColumnInfo[];
}
interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
  total?: number;
}

export function useRecordInfo() {
  return useQuery({ queryKey: ["records"], queryFn: () => api<{ records: RecordInfo[]; forbidden: string[] }>("/api/v1/records"), staleTime: 60_000 });
}

/** A rate in parts per million as a percentage in id-ID (1 % = 10.000 ppm): `2000` → `0,2 %`. */
export function ppmPercent(ppm: unknown): string {
  if (typeof ppm !== "number" || !Number.isFinite(ppm)) return "—";
  return `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 4 }).format(ppm / 10_000)} %`;
}

const ENUM_COLUMNS = new Set(["status", "state", "outcome", "bucket", "severity", "role", "kind", "tenor_unit", "interest_method", "purpose", "employment_status", "rule", "unit", "provider", "queue", "sex", "to_status", "from_status", "event"]);

/** A cell as staff read it: rupiah, WIB times, id-ID numbers and percentages, local phones, human labels for enums. */
export function formatCell(col: string, v: unknown, i18n?: Pick<I18n, "val" | "t">): ReactNode {
  if (v === null || v === undefined || v === "") return <span className="muted">—</span>;
  if (typeof v === "number" && /(_amount|amount|^principal$|^total$|^debit$|^credit$|_due$|_paid$|_outstanding$)/.test(col)) return rupiah(v);
  if (typeof v === "number" && /_ppm$/.test(col)) return ppmPercent(v);
  if (typeof v === "number" && /_bps$/.test(col)) return percentOfBps(v);
  if (typeof v === "number" && /^(run_at|created_at|updated_at)$/.test(col)) return dateTime(v);
  if (typeof v === "string" && /(_at|_date|^at$|_until|_from|_to|_for)$/.test(col)) return col.endsWith("_date") || /^effective_(from|to)$/.test(col) ? dateWib(v) : dateTime(v);
  if ((col === "active" || col === "enabled") && (v === 0 || v === 1 || typeof v === "boolean")) return i18n ? (v ? i18n.t("Yes", "Ya") : i18n.t("No", "Tidak")) : v ? "Yes" : "No";
  if (typeof v === "string" && /(^|_)phone$/.test(col)) return phoneLocal(v);
  if (ENUM_COLUMNS.has(col) && typeof v === "string") {
    const label = i18n ? i18n.val(v) : String(v);
    return <span className={`badge b-${String(v)}`} title={String(v)}>{label}</span>;
  }
  if (typeof v === "number") return number(v);
  const s = String(v);
  return s.length > 80 ? <span title={s}>{s.slice(0, 77)}…</span> : s;
}

export interface RecordTableProps {
  record: string;
  /** Columns to show, in order (default: every column the record exposes). */
  columns?: string[];
  /** Filters fixed by the page (not editable). */
  fixed?: Record<string, string>;
  /** Initial editable filters, e.g. { status: "manual_review" }. */
  initial?: Record<string, string>;
  /** Known values of enum-like columns, shown as a select. */
  options?: Record<string, readonly string[]>;
  link?: (row: Record<string, unknown>) => string | undefined;
  actions?: (row: Record<string, unknown>) => ReactNode;
  limit?: number;
  title?: string;
  compact?: boolean;
}

const TIME_PREFERENCE = ["created_at", "submitted_at", "at", "received_at", "paid_at", "posted_at", "due_date"];
const isTimeCol = (c: ColumnInfo) => /(_at|_date|^at$|_from|_to|_for)$/.test(c.name) && c.filter.includes("gte");
/** A plain calendar-date column (a due date, a business date) compares with yyyy-mm-dd; instants with WIB day bounds. */
const isDateOnly = (name: string) => name.endsWith("_date") || /^effective_(from|to)$/.test(name);

/** The list query of the table's state: filters (from/to dates as WIB day bounds), search and sort. */
function listParams(filters: Record<string, string>, fixed: Record<string, string>, search: string, sort: string, desc: RecordInfo | undefined): Record<string, string> {
  const p: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...filters, ...fixed })) {
    if (v === "") continue;
    const m = /^(.*)\.(gte|lte|in)$/.exec(k);
    if (!m) {
      p[`filter[${k}]`] = v;
      continue;
    }
    const [, col, op] = m;
    const info = desc?.columns.find((c) => c.name === col);
    let value = v;
    // a from/to date typed as a Jakarta calendar date: the instant its day starts/ends (integer columns: ms)
    if ((op === "gte" || op === "lte") && /^\d{4}-\d{2}-\d{2}$/.test(v) && !isDateOnly(col)) {
      const iso = op === "gte" ? startOfDayWib(v) : endOfDayWib(v);
      value = info?.type === "integer" ? String(Date.parse(iso)) : iso;
    }
    p[`filter[${col}][${op}]`] = value;
  }
  if (search) p.q = search;
  if (sort) p.sort = sort;
  return p;
}

/** Save a CSV the API answered under its dated name (with the byte order mark spreadsheet programs need for UTF-8). */
function saveCsv(text: string, name: string) {
  const url = URL.createObjectURL(new Blob([`\uFEFF${text.replace(/^\uFEFF/, "")}`], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function RecordTable({ record, columns, fixed = {}, initial = {}, options = {}, link, actions, limit = 25, title, compact }: RecordTableProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const info = useRecordInfo();
  const desc = info.data?.records.find((r) => r.name === record);
  const [filters, setFilters] = useState<Record<string, string>>(initial);
  const [draft, setDraft] = useState<Record<string, string>>(initial);
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<string>("");
  const [cursors, setCursors] = useState<string[]>([""]);
  const [exporting, setExporting] = useState<"idle" | "busy" | string>("idle");
  const cursor = cursors[cursors.length - 1];

  const base = useMemo(() => listParams(filters, fixed, search, sort, desc), [filters, fixed, search, sort, desc]);
  const params = useMemo(() => ({ ...base, limit: String(limit), count: "true", ...(cursor ? { cursor } : {}) }), [base, limit, cursor]);

  const page = useQuery({
    queryKey: ["record", record, params],
    queryFn: () => api<Page>(`/api/v1/records/${record}${qs(params)}`),
    enabled: !!desc,
    placeholderData: keepPreviousData,
  });

  if (info.isLoading) return <Loading />;
  if (info.error) return <ErrorState error={info.error} retry={() => info.refetch()} />;
  if (!desc) return <MissingRecord record={record} title={title} />;

  const shown = (columns ?? desc.columns.map((c) => c.name)).map((n) => desc.columns.find((c) => c.name === n)).filter((c): c is ColumnInfo => !!c);
  // The filter bar: enum-like columns (known options) first, then date ranges and text ids; amounts stay API-only.
  // at most two date ranges: when the row was made or happened first, then the dates on screen
  const shownNames = new Set(shown.map((c) => c.name));
  const timeRank = (c: ColumnInfo) => {
    const i = TIME_PREFERENCE.indexOf(c.name);
    return i >= 0 ? i : shownNames.has(c.name) ? TIME_PREFERENCE.length : TIME_PREFERENCE.length + 1;
  };
  const ranges = desc.columns.filter((c) => isTimeCol(c) && !(c.name in fixed)).sort((a, b) => timeRank(a) - timeRank(b)).slice(0, 2);
  const filterable = desc.columns
    .filter((c) => c.filter.length > 0 && !(c.name in fixed))
    .filter((c) => options[c.name] || ranges.includes(c) || (!isTimeCol(c) && c.type === "text" && (c.filter.includes("eq") || c.filter.includes("in"))))
    .sort((a, b) => Number(!options[a.name]) - Number(!options[b.name]) || Number(!isTimeCol(a)) - Number(!isTimeCol(b)) || timeRank(a) - timeRank(b));
  const searchable = desc.columns.some((c) => c.search);
  const heading = title ?? desc.label;
  const reset = () => setCursors([""]);
  const apply = (e?: React.FormEvent) => {
    e?.preventDefault();
    setFilters(Object.fromEntries(Object.entries(draft).filter(([k, v]) => v !== "" && k !== "__q")));
    setSearch(draft.__q ?? "");
    reset();
  };
  const currentSort = sort || (desc.defaultSort.dir === "desc" ? "-" : "") + desc.defaultSort.column;
  const toggleSort = (c: ColumnInfo) => {
    if (!c.sortable) return;
    setSort(currentSort === c.name ? `-${c.name}` : c.name);
    reset();
  };
  const exportCsv = async () => {
    setExporting("busy");
    try {
      const text = await api<string>(`/api/v1/records/${record}/export.csv${qs({ ...base, columns: shown.map((c) => c.name).join(",") })}`);
      saveCsv(typeof text === "string" ? text : String(text ?? ""), `${record}-${isoDateWib()}.csv`);
      setExporting("idle");
    } catch (e) {
      setExporting(e instanceof Error ? e.message : String(e));
    }
  };
  const field = (k: string) => ({ value: draft[k] ?? "", onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setDraft({ ...draft, [k]: e.target.value }) });

  return (
    <section className={`record-table${compact ? " compact" : ""}`} data-record={record}>
      {title && <h3>{title}</h3>}
      {!compact && (filterable.length > 0 || searchable) && (
        <form className="filters" onSubmit={apply} aria-label={t(`${heading} filters`, `Filter ${heading}`)}>
          {searchable && (
            <label>
              {t("Search", "Cari")}
              <input
                type="search"
                name="q"
                value={draft.__q ?? ""}
                placeholder={t("Search…", "Cari…")}
                onChange={(e) => setDraft({ ...draft, __q: e.target.value })}
                onBlur={() => {
                  setSearch(draft.__q ?? "");
                  reset();
                }}
              />
            </label>
          )}
          {filterable.slice(0, 6).map((c) => {
            if (isTimeCol(c))
              return (
                <div key={c.name} className="date-range" role="group" aria-label={i18n.col(c.name)}>
                  <span className="range-label">{i18n.col(c.name)}</span>
                  <label>
                    {t("from", "dari")}
                    <input type="date" name={`${c.name}.gte`} {...field(`${c.name}.gte`)} />
                  </label>
                  {c.filter.includes("lte") && (
                    <label>
                      {t("to", "sampai")}
                      <input type="date" name={`${c.name}.lte`} {...field(`${c.name}.lte`)} />
                    </label>
                  )}
                </div>
              );
            const opts = options[c.name];
            return (
              <label key={c.name}>
                {i18n.col(c.name)}
                {opts ? (
                  <select name={c.name} {...field(c.name)}>
                    <option value="">{t("Any", "Semua")}</option>
                    {opts.map((o) => (
                      <option key={o} value={o}>
                        {i18n.val(o)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input name={c.name} {...field(c.name)} />
                )}
              </label>
            );
          })}
          <div className="filter-buttons">
            <button type="submit">{t("Apply", "Terapkan")}</button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDraft({});
                setFilters({});
                setSearch("");
                reset();
              }}
            >
              {t("Clear", "Hapus filter")}
            </button>
          </div>
        </form>
      )}
      {page.isLoading ? (
        <Loading what={t("Loading", "Memuat")} />
      ) : page.error ? (
        <ErrorState error={page.error} retry={() => page.refetch()} />
      ) : page.data && page.data.items.length === 0 ? (
        <Empty>{t("Nothing matches.", "Tidak ada data yang cocok.")}</Empty>
      ) : page.data ? (
        <>
          <div className={`table-wrap${page.isPlaceholderData ? " stale" : ""}`} aria-busy={page.isFetching}>
            <table>
              <thead>
                <tr>
                  {shown.map((c) => {
                    const dir = currentSort === c.name ? "ascending" : currentSort === `-${c.name}` ? "descending" : undefined;
                    return (
                      <th key={c.name} scope="col" className={c.sortable ? "sortable" : ""} aria-sort={c.sortable ? (dir ?? "none") : undefined} data-col={c.name}>
                        {c.sortable ? (
                          <button type="button" className="sort" onClick={() => toggleSort(c)} title={t("Sort", "Urutkan")}>
                            {i18n.col(c.name)}
                            <span aria-hidden="true">{dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : " ↕"}</span>
                          </button>
                        ) : (
                          i18n.col(c.name)
                        )}
                      </th>
                    );
                  })}
                  {actions && (
                    <th scope="col" className="actions">
                      {t("Actions", "Tindakan")}
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((row) => {
                  const href = link?.(row);
                  const key = String(row[desc.idColumn]);
                  return (
                    <tr key={key}>
                      {shown.map((c, i) => (
                        <td key={c.name} className={c.masked ? "masked" : ""} data-col={c.name}>
                          {i === 0 && href ? <Link to={href}>{formatCell(c.name, row[c.name], i18n)}</Link> : formatCell(c.name, row[c.name], i18n)}
                        </td>
                      ))}
                      {actions && <td className="actions">{actions(row)}</td>}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <span>{page.data.total !== undefined ? t(`${number(page.data.total)} total`, `${number(page.data.total)} data`) : ""}</span>
            {!compact && (
              <button type="button" className="secondary" data-testid="export-csv" disabled={exporting === "busy"} onClick={exportCsv}>
                {exporting === "busy" ? t("Exporting…", "Mengekspor…") : t("Export CSV", "Ekspor CSV")}
              </button>
            )}
            {exporting !== "idle" && exporting !== "busy" && (
              <span className="form-error" role="alert">
                {exporting}
              </span>
            )}
            <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t("Previous", "Sebelumnya")}
            </button>
            <span>{t(`page ${cursors.length}`, `halaman ${cursors.length}`)}</span>
            <button type="button" className="secondary" disabled={!page.data.nextCursor} onClick={() => setCursors([...cursors, page.data!.nextCursor!])}>
              {t("Next", "Berikutnya")}
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}

/**
 * A record the caller's listing does not include: either the caller's role may not read it (the listing names it
 * under `forbidden`) or this deployment has no such record. Says which, without asking the record API (a 403 there
 * would only be noise in the browser's console).
 */
function MissingRecord({ record, title }: { record: string; title?: string }) {
  const { user } = useAuth();
  const { t, val } = useI18n();
  const info = useRecordInfo();
  const what = (title ?? record).toLowerCase();
  if (info.data?.forbidden?.includes(record))
    return (
      <section className="record" data-record={record}>
        {title && <h2>{title}</h2>}
        <div className="state forbidden" data-testid="record-forbidden">
          {t(`Your role (${val(user?.role)}) may not see ${what}.`, `Peran Anda (${val(user?.role)}) tidak boleh melihat ${what}.`)}
        </div>
      </section>
    );
  return <NotAvailable detail={`no ${record} records`} />;
}

export function isUnavailable(e: unknown) {
  return e instanceof ApiError && e.notAvailable;
}
