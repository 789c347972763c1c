// Detail pages: a borrower, and the helpers the application review (ApplicationReview.tsx) and the loan account
// (LoanAccount.tsx) share.
import { Link, useParams } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, qs, rupiah } from "../api.ts";
import { RecordTable, formatCell } from "../components/RecordTable.tsx";
import { ErrorState, Loading } from "../components/States.tsx";
import { useCapabilities } from "../capabilities.ts";
import { useI18n } from "../i18n/index.tsx";

type Row = Record<string, any>;

export function useRecord(name: string, id: string | undefined) {
  return useQuery({ queryKey: ["record", name, id], queryFn: () => api<Row>(`/api/v1/records/${name}/${encodeURIComponent(id!)}`), enabled: !!id, retry: false });
}

/** A query whose 404/405 means "this backend is not there": resolves to null instead of failing. */
export function useOptional<T>(key: unknown[], path: string | null, template?: string) {
  const caps = useCapabilities();
  const installed = !template || caps.has(template);
  return useQuery({
    queryKey: key,
    enabled: !!path && caps.ready && installed,
    retry: false,
    queryFn: async () => {
      try {
        return await api<T>(path!);
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 403)) return null;
        throw e;
      }
    },
  });
}

export function Fields({ row, keys }: { row: Row; keys: string[] }) {
  const { col } = useI18n();
  return (
    <dl className="fields">
      {keys
        .filter((k) => k in row)
        .map((k) => (
          <div key={k}>
            <dt>{col(k)}</dt>
            <dd>{formatCell(k, row[k])}</dd>
          </div>
        ))}
    </dl>
  );
}

export function parseJson(s: unknown): any {
  if (typeof s !== "string") return s ?? null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function BorrowerDetail() {
  const { id } = useParams();
  const { t } = useI18n();
  const user = useRecord("borrowers", id);
  const profiles = useOptional<{ items: Row[] }>(["record", "borrower_profiles", id], id ? `/api/v1/records/borrower_profiles${qs({ "filter[user_id]": id, limit: 1 })}` : null);
  const profile = { isLoading: profiles.isLoading, data: profiles.data?.items[0] };
  if (user.isLoading) return <Loading />;
  if (user.error) return <ErrorState error={user.error} retry={() => user.refetch()} />;
  const u = user.data!;
  const p = profile.data;
  return (
    <div className="page">
      <p>
        <Link to="/borrowers">← {t("Borrowers", "Peminjam")}</Link>
      </p>
      <h1>{p?.full_name ?? u.display_name ?? u.id}</h1>
      <div className="cols">
        <section className="card">
          <h2>{t("Account", "Akun")}</h2>
          <Fields row={u} keys={["id", "phone", "status", "created_at"]} />
        </section>
        <section className="card">
          <h2>{t("KYC profile", "Profil KYC")}</h2>
          {p ? (
            <Fields row={p} keys={["nik", "full_name", "birth_date", "sex", "address_line", "city", "province", "employment_status", "employer_name", "monthly_income_amount", "bank_code", "bank_account_number", "bank_account_name", "emergency_name", "emergency_phone"]} />
          ) : profile.isLoading ? (
            <Loading />
          ) : (
            <p className="muted">{t("No KYC profile yet.", "Belum ada profil KYC.")}</p>
          )}
        </section>
      </div>
      <section className="card">
        <RecordTable record="applications" title={t("Applications", "Pengajuan")} compact fixed={{ user_id: u.id }} columns={["id", "status", "principal_amount", "submitted_at"]} link={(r) => `/applications/${r.id}`} />
      </section>
      <section className="card">
        <RecordTable record="loans" title={t("Loans", "Pinjaman")} compact fixed={{ user_id: u.id }} columns={["id", "status", "principal_amount", "dpd", "maturity_date"]} link={(r) => `/loans/${r.id}`} />
      </section>
    </div>
  );
}

export { rupiah };
