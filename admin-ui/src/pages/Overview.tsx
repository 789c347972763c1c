import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, dateWib, number, rupiah } from "../api.ts";
import { useI18n } from "../i18n/index.tsx";
import { Empty, ErrorState, Loading } from "../components/States.tsx";

interface OverviewData {
  since: string;
  days: number;
  applications: null | {
    perDay: { day: string; approved: number; rejected: number; manual_review: number; other: number }[];
    approvalRate: number | null;
    decided: number;
    byStatus: Record<string, number>;
  };
  loans: null | {
    disbursedAmount: number;
    disbursedLoans: number;
    outstandingAmount: number;
    lateFeeOutstandingAmount?: number;
    activeLoans: number;
    twp90: number | null;
    buckets: { key: string; label: string; loans: number; outstandingAmount: number }[];
  };
}

const ONE_DECIMAL = new Intl.NumberFormat("id-ID", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** A ratio as a percentage in id-ID with one decimal: 0.2816 → `28,2 %`. */
const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${ONE_DECIMAL.format(x * 100)} %`);

export function Overview() {
  const { t, val } = useI18n();
  const q = useQuery({ queryKey: ["overview"], queryFn: () => api<OverviewData>("/api/v1/admin/overview?days=30") });
  if (q.isLoading) return <Loading what={t("Loading", "Memuat")} />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const d = q.data!;
  const apps = d.applications;
  const loans = d.loans;
  const anyApps = !!apps && apps.perDay.some((p) => p.approved + p.rejected + p.manual_review + p.other > 0);
  const anyLoans = !!loans && loans.buckets.some((b) => b.loans > 0);
  return (
    <div className="page">
      <h1>{t("Overview", "Ringkasan")}</h1>
      <div className="kpis">
        <div className="card kpi">
          <span>{t(`Approval rate (${d.days} d)`, `Tingkat persetujuan (${d.days} hari)`)}</span>
          <strong data-testid="kpi-approval">{pct(apps?.approvalRate)}</strong>
          <small data-testid="kpi-decided">{apps ? t(`${number(apps.decided)} decided`, `${number(apps.decided)} diputuskan`) : t("applications not available", "data pengajuan tidak tersedia")}</small>
        </div>
        <div className="card kpi">
          <span data-testid="kpi-disbursed-label">{t("Disbursed (all time)", "Dicairkan (sepanjang waktu)")}</span>
          <strong>{loans ? rupiah(loans.disbursedAmount) : "—"}</strong>
          <small>{loans ? t(`${number(loans.disbursedLoans)} loans`, `${number(loans.disbursedLoans)} pinjaman`) : t("loans not available", "data pinjaman tidak tersedia")}</small>
        </div>
        <div className="card kpi">
          <span>{t("Outstanding (today)", "Outstanding (hari ini)")}</span>
          <strong data-testid="kpi-outstanding">{loans ? rupiah(loans.outstandingAmount) : "—"}</strong>
          <small data-testid="kpi-outstanding-note">
            {loans
              ? t(
                  `${number(loans.activeLoans)} active loans · principal + interest + fees; late fees ${rupiah(loans.lateFeeOutstandingAmount ?? 0)} apart`,
                  `${number(loans.activeLoans)} pinjaman aktif · pokok + bunga + biaya; denda ${rupiah(loans.lateFeeOutstandingAmount ?? 0)} terpisah`,
                )
              : ""}
          </small>
        </div>
        <div className="card kpi">
          <span>TWP90</span>
          <strong data-testid="kpi-twp90">{pct(loans?.twp90)}</strong>
          <small>{t("outstanding > 90 DPD", "outstanding > 90 hari terlambat")}</small>
        </div>
      </div>
      <div className="charts">
        <section className="card chart" aria-label={t("Applications per day", "Pengajuan per hari")}>
          <h2>{t("Applications per day by outcome", "Pengajuan per hari menurut hasil")}</h2>
          {anyApps ? (
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={apps!.perDay}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" tickFormatter={(v: string) => dateWib(v).slice(0, 5)} />
                <YAxis allowDecimals={false} />
                <Tooltip labelFormatter={(v) => dateWib(v)} formatter={(v) => number(v)} />
                <Legend />
                <Bar isAnimationActive={false} dataKey="approved" name={val("approved")} stackId="a" fill="#2e7d32" />
                <Bar isAnimationActive={false} dataKey="manual_review" name={val("manual_review")} stackId="a" fill="#ef8f00" />
                <Bar isAnimationActive={false} dataKey="rejected" name={val("rejected")} stackId="a" fill="#c62828" />
                <Bar isAnimationActive={false} dataKey="other" name={t("Other", "Lainnya")} stackId="a" fill="#90a4ae" />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <Empty>{t(`No applications in the last ${d.days} days.`, `Tidak ada pengajuan dalam ${d.days} hari terakhir.`)}</Empty>
          )}
        </section>
        <section className="card chart" aria-label={t("DPD buckets", "Kelompok DPD")}>
          <h2>{t("Loans by DPD bucket", "Pinjaman menurut kelompok DPD")}</h2>
          {anyLoans ? (
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={loans!.buckets}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="label" />
                <YAxis allowDecimals={false} />
                <Tooltip formatter={(v) => number(v)} />
                <Bar isAnimationActive={false} dataKey="loans" name={t("Loans", "Pinjaman")} fill="#1565c0" />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <Empty>{t("No active loans.", "Tidak ada pinjaman aktif.")}</Empty>
          )}
        </section>
      </div>
      {apps && Object.keys(apps.byStatus).length > 0 && (
        <section className="card">
          <h2>{t("Applications by status", "Pengajuan menurut status")}</h2>
          <ul className="status-counts">
            {Object.entries(apps.byStatus).map(([s, n]) => (
              <li key={s}>
                <span className={`badge b-${s}`}>{val(s)}</span> {number(n)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
