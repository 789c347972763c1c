// The audit trail: every staff decision, change, write-off, refund, approval and personal-data view (and, for
// admins, sign-ins), filtered by actor, event, record and from/to dates (Asia/Jakarta), with before/after in words.
import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { dateTimeWib, endOfDayWib, startOfDayWib } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { DataTable, QueryView } from "../components/QueryView.tsx";
import { actorName, ENTITY_LABELS, EntityRef, EntryDetails, EVENT_LABELS, eventLabel, LoadMore, useAuditEntries } from "../components/History.tsx";

interface Filters {
  actor: string;
  event: string;
  entityType: string;
  entityId: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { actor: "", event: "", entityType: "", entityId: "", from: "", to: "" };

/** Staff to filter by (admins can list staff; others type an id). */
function useStaff(enabled: boolean) {
  return useQuery({
    queryKey: ["record", "staff", "audit-filter"],
    enabled,
    retry: false,
    queryFn: () => api<{ items: { id: string; email: string; display_name: string | null; role: string }[] }>("/api/v1/records/staff?limit=100&sort=email"),
  });
}

export function AuditTrail() {
  const { user } = useAuth();
  const i18n = useI18n();
  const { t, lang, val } = i18n;
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const staff = useStaff(user?.role === "admin");
  const query = {
    actor: filters.actor || undefined,
    event: filters.event || undefined,
    entityType: filters.entityType || undefined,
    entityId: filters.entityId.trim() || undefined,
    from: filters.from ? startOfDayWib(filters.from) : undefined,
    to: filters.to ? endOfDayWib(filters.to) : undefined,
  };
  const { q, items } = useAuditEntries(["trail", query], query, 50);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const isAdmin = user?.role === "admin";
  const eventOptions = Object.keys(EVENT_LABELS).filter((ev) => isAdmin || !/^(login|otp|token|logout|account|passkey|user\.)/.test(ev));
  return (
    <div className="page">
      <h1>{t("Audit trail", "Jejak audit")}</h1>
      <p className="muted">
        {isAdmin
          ? t("Every staff decision and change, approvals, personal-data views and sign-ins. Times in WIB.", "Setiap keputusan dan perubahan staf, persetujuan, akses data pribadi dan proses masuk. Waktu dalam WIB.")
          : t("Every staff decision and change, approvals and personal-data views. Times in WIB.", "Setiap keputusan dan perubahan staf, persetujuan dan akses data pribadi. Waktu dalam WIB.")}
      </p>
      <form className="filters row" onSubmit={submit} aria-label={t("Filters", "Filter")}>
        <label>
          {t("Staff member", "Staf")}
          {isAdmin && staff.data ? (
            <select name="actor" value={draft.actor} onChange={set("actor")}>
              <option value="">{t("Anyone", "Siapa saja")}</option>
              {staff.data.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.display_name || s.email} ({val(s.role)})
                </option>
              ))}
            </select>
          ) : (
            <input name="actor" value={draft.actor} placeholder={t("staff id", "id staf")} onChange={set("actor")} maxLength={200} />
          )}
        </label>
        <label>
          {t("Event", "Peristiwa")}
          <select name="event" value={draft.event} onChange={set("event")}>
            <option value="">{t("Any event", "Semua peristiwa")}</option>
            <option value="approval.*">{t("Any approval step", "Semua langkah persetujuan")}</option>
            {eventOptions.map((ev) => (
              <option key={ev} value={ev}>
                {eventLabel(ev, lang)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("Record", "Catatan")}
          <select name="entityType" value={draft.entityType} onChange={set("entityType")}>
            <option value="">{t("Any record", "Semua catatan")}</option>
            {Object.entries(ENTITY_LABELS).map(([k, [en, id]]) => (
              <option key={k} value={k}>
                {lang === "id" ? id : en}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("Record id", "ID catatan")}
          <input name="entityId" value={draft.entityId} onChange={set("entityId")} maxLength={200} />
        </label>
        <label>
          {t("From (WIB)", "Dari (WIB)")}
          <input name="from" type="date" value={draft.from} onChange={set("from")} />
        </label>
        <label>
          {t("To (WIB)", "Sampai (WIB)")}
          <input name="to" type="date" value={draft.to} onChange={set("to")} />
        </label>
        <button type="submit">{t("Apply", "Terapkan")}</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          {t("Clear", "Hapus filter")}
        </button>
      </form>
      <QueryView q={q} empty={items.length === 0 && <p className="muted">{t("No entries match these filters.", "Tidak ada catatan yang cocok dengan filter ini.")}</p>}>
        {() => (
          <DataTable
            className="audit-table"
            data-testid="audit-table"
            head={
              <>
                <th scope="col">{t("When (WIB)", "Waktu (WIB)")}</th>
                <th scope="col">{t("Event and record", "Peristiwa dan catatan")}</th>
                <th scope="col">{t("By", "Oleh")}</th>
                <th scope="col">{t("Reason; before → after", "Alasan; sebelum → sesudah")}</th>
              </>
            }
          >
            {items.map((e) => (
              <tr key={e.id} data-event={e.event}>
                <td>
                  <time dateTime={e.at}>{dateTimeWib(e.at, { seconds: true })}</time>
                </td>
                <td>
                  <strong>{eventLabel(e.event, lang)}</strong>
                  <div>
                    <EntityRef type={e.entityType} id={e.entityId} />
                  </div>
                </td>
                <td>
                  {actorName(e, t)}
                  {e.actor?.role && <span className="muted"> ({val(e.actor.role)})</span>}
                  {isAdmin && e.ip && <div className="muted">{e.ip}</div>}
                </td>
                <td style={{ minWidth: "24rem", whiteSpace: "normal" }}>
                  <EntryDetails e={e} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </QueryView>
      <LoadMore q={q} />
    </div>
  );
}
