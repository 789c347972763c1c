// A paginated, filterable, sortable table over one record API (/api/v1/records/{name}).
import { useMemo, useState, type ReactNode } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, ApiError, dateTime, dateWib, number, qs, rupiah } from "../api.ts";
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
  return useQuery({ queryKey: ["records"], queryFn: () => api<{ records: RecordInfo[] }>("/api/v1/records"), staleTime: 60_000 });
}

/** A cell as staff read it: rupiah, WIB times, id-ID numbers, human labels for statuses (English outside a provider). */
export function formatCell(col: string, v: unknown, i18n?: Pick<I18n, "val">): ReactNode {
  if (v === null || v === undefined || v === "") return <span className="muted">—</span>;
  if (typeof v === "number" && /(_amount|amount|^principal$|^total$|^debit$|^credit$|_due$|_paid$|_outstanding$)/.test(col)) return rupiah(v);
  if (typeof v === "string" && /(_at|_date|^at$|_until|_from|_to)$/.test(col)) return col.endsWith("_date") || /^effective_(from|to)$/.test(col) ? dateWib(v) : dateTime(v);
  if (col === "status" || col === "state" || col === "outcome" || col === "bucket" || col === "severity" || col === "role" || col === "kind" || col === "tenor_unit" || col === "interest_method" || col === "purpose" || col === "employment_status") {
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

export function RecordTable({ record, columns, fixed = {}, initial = {}, options = {}, link, actions, limit = 25, title, compact }: RecordTableProps) {
  const i18n = useI18n();
  const info = useRecordInfo();
  const desc = info.data?.records.find((r) => r.name === record);
  const [filters, setFilters] = useState<Record<string, string>>(initial);
  const [draft, setDraft] = useState<Record<string, string>>(initial);
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<string>("");
  const [cursors, setCursors] = useState<string[]>([""]);
  const cursor = cursors[cursors.length - 1];

  const params = useMemo(() => {
    const p: Record<string, string> = { limit: String(limit), count: "true" };
    for (const [k, v] of Object.entries({ ...filters, ...fixed })) {
      if (v === "") continue;
      const m = /^(.*)\.(gte|lte|in)$/.exec(k);
      if (m) p[`filter[${m[1]}][${m[2]}]`] = v;
      else p[`filter[${k}]`] = v;
    }
    if (search) p.q = search;
    if (sort) p.sort = sort;
    if (cursor) p.cursor = cursor;
    return p;
  }, [filters, fixed, search, sort, cursor, limit]);

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
  // The filter bar: enum-like columns (known options) first, then text ids and date ranges; amounts stay API-only.
  const isTimeCol = (c: ColumnInfo) => /(_at|_date|^at$)$/.test(c.name) && c.filter.includes("gte");
  const filterable = desc.columns
    .filter((c) => c.filter.length > 0 && !(c.name in fixed))
    .filter((c) => options[c.name] || isTimeCol(c) || (c.type === "text" && (c.filter.includes("eq") || c.filter.includes("in"))))
    .sort((a, b) => Number(!options[a.name]) - Number(!options[b.name]));
  const searchable = desc.columns.some((c) => c.search);
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

  return (
    <section className={`record-table${compact ? " compact" : ""}`} data-record={record}>
      {title && <h3>{title}</h3>}
      {!compact && (filterable.length > 0 || searchable) && (
        <form className="filters" onSubmit={apply} aria-label={`${desc.label} filters`}>
          {searchable && (
            <label>
              Search
              <input
                type="search"
                name="q"
                value={draft.__q ?? ""}
                placeholder="Search…"
                onChange={(e) => setDraft({ ...draft, __q: e.target.value })}
                onBlur={() => {
                  setSearch(draft.__q ?? "");
                  reset();
                }}
              />
            </label>
          )}
          {filterable.slice(0, 6).map((c) => {
            const isTime = isTimeCol(c);
            if (isTime)
              return (
                <label key={c.name}>
                  {i18n.col(c.name)} {i18n.t("from", "dari")}
                  <input type="date" name={`${c.name}.gte`} value={draft[`${c.name}.gte`] ?? ""} onChange={(e) => setDraft({ ...draft, [`${c.name}.gte`]: e.target.value })} />
                </label>
              );
            const opts = options[c.name];
            return (
              <label key={c.name}>
                {i18n.col(c.name)}
                {opts ? (
                  <select name={c.name} value={draft[c.name] ?? ""} onChange={(e) => setDraft({ ...draft, [c.name]: e.target.value })}>
                    <option value="">any</option>
                    {opts.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input name={c.name} value={draft[c.name] ?? ""} onChange={(e) => setDraft({ ...draft, [c.name]: e.target.value })} />
                )}
              </label>
            );
          })}
          <div className="filter-buttons">
            <button type="submit">Apply</button>
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
              Clear
            </button>
          </div>
        </form>
      )}
      {page.isLoading ? (
        <Loading />
      ) : page.error ? (
        <ErrorState error={page.error} retry={() => page.refetch()} />
      ) : page.data && page.data.items.length === 0 ? (
        <Empty>No {desc.label.toLowerCase()} match.</Empty>
      ) : page.data ? (
        <>
          <div className={`table-wrap${page.isPlaceholderData ? " stale" : ""}`} aria-busy={page.isFetching}>
            <table>
              <thead>
                <tr>
                  {shown.map((c) => (
                    <th key={c.name} className={c.sortable ? "sortable" : ""} onClick={() => toggleSort(c)} aria-sort={currentSort === c.name ? "ascending" : currentSort === `-${c.name}` ? "descending" : undefined}>
                      {i18n.col(c.name)}
                      {currentSort === c.name ? " ▲" : currentSort === `-${c.name}` ? " ▼" : ""}
                    </th>
                  ))}
                  {actions && <th />}
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((row) => {
                  const href = link?.(row);
                  const key = String(row[desc.idColumn]);
                  return (
                    <tr key={key}>
                      {shown.map((c, i) => (
                        <td key={c.name} className={c.masked ? "masked" : ""}>
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
            <span>{page.data.total !== undefined ? `${page.data.total} total` : ""}</span>
            <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span>page {cursors.length}</span>
            <button type="button" className="secondary" disabled={!page.data.nextCursor} onClick={() => setCursors([...cursors, page.data!.nextCursor!])}>
              Next
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}

/**
 * A record the caller's listing does not include: either the caller's role may not read it (the record API answers
 * 403) or this deployment has no such record (404). Asks the API which, and says so.
 */
function MissingRecord({ record, title }: { record: string; title?: string }) {
  const { user } = useAuth();
  const probe = useQuery({
    queryKey: ["record-access", record],
    retry: false,
    staleTime: 60_000,
    queryFn: async () => {
      try {
        await api(`/api/v1/records/${record}?limit=1`);
        return "readable" as const;
      } catch (e) {
        if (e instanceof ApiError && e.status === 403) return "forbidden" as const;
        if (e instanceof ApiError && e.notAvailable) return "missing" as const;
        throw e;
      }
    },
  });
  if (probe.isLoading) return <Loading />;
  const what = (title ?? record).toLowerCase();
  if (probe.data === "forbidden")
    return (
      <section className="record" data-record={record}>
        {title && <h2>{title}</h2>}
        <div className="state forbidden" data-testid="record-forbidden">
          Your role ({user?.role ?? "unknown"}) may not see {what}.
        </div>
      </section>
    );
  return <NotAvailable detail={`no ${record} records`} />;
}

export function isUnavailable(e: unknown) {
  return e instanceof ApiError && e.notAvailable;
}
