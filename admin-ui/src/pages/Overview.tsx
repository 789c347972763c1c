import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, rupiah } from "../api.ts";
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

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)} %`);

export function Overview() {
  const q = useQuery({ queryKey: ["overview"], queryFn: () => api<OverviewData>("/api/v1/admin/overview?days=30") });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const d = q.data!;
  const apps = d.applications;
  const loans = d.loans;
  const anyApps = !!apps && apps.perDay.some((p) => p.approved + p.rejected + p.manual_review + p.other > 0);
  const anyLoans = !!loans && loans.buckets.some((b) => b.loans > 0);
  return (
    <div className="page">
      <h1>Overview</h1>
      <div className="kpis">
        <div className="card kpi">
          <span>Approval rate (30 d)</span>
          <strong data-testid="kpi-approval">{pct(apps?.approvalRate)}</strong>
          <small data-testid="kpi-decided">{apps ? `${apps.decided} decided` : "applications not available"}</small>
        </div>
        <div className="card kpi">
          <span data-testid="kpi-disbursed-label">Disbursed (all time)</span>
          <strong>{loans ? rupiah(loans.disbursedAmount) : "—"}</strong>
          <small>{loans ? `${loans.disbursedLoans} loans` : "loans not available"}</small>
        </div>
        <div className="card kpi">
          <span>Outstanding (today)</span>
          <strong data-testid="kpi-outstanding">{loans ? rupiah(loans.outstandingAmount) : "—"}</strong>
          <small data-testid="kpi-outstanding-note">
            {loans ? `${loans.activeLoans} active loans · principal + interest + fees; late fees ${rupiah(loans.lateFeeOutstandingAmount ?? 0)} apart` : ""}
          </small>
        </div>
        <div className="card kpi">
          <span>TWP90</span>
          <strong data-testid="kpi-twp90">{pct(loans?.twp90)}</strong>
          <small>outstanding &gt; 90 DPD</small>
        </div>
      </div>
      <div className="charts">
        <section className="card chart" aria-label="Applications per day">
          <h2>Applications per day by outcome</h2>
          {anyApps ? (
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={apps!.perDay}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" tickFormatter={(v: string) => v.slice(5)} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar isAnimationActive={false} dataKey="approved" stackId="a" fill="#2e7d32" />
                <Bar isAnimationActive={false} dataKey="manual_review" stackId="a" fill="#ef8f00" />
                <Bar isAnimationActive={false} dataKey="rejected" stackId="a" fill="#c62828" />
                <Bar isAnimationActive={false} dataKey="other" stackId="a" fill="#90a4ae" />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <Empty>No applications in the last {d.days} days.</Empty>
          )}
        </section>
        <section className="card chart" aria-label="DPD buckets">
          <h2>Loans by DPD bucket</h2>
          {anyLoans ? (
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={loans!.buckets}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="label" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar isAnimationActive={false} dataKey="loans" fill="#1565c0" />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <Empty>No active loans.</Empty>
          )}
        </section>
      </div>
      {apps && Object.keys(apps.byStatus).length > 0 && (
        <section className="card">
          <h2>Applications by status</h2>
          <ul className="status-counts">
            {Object.entries(apps.byStatus).map(([s, n]) => (
              <li key={s}>
                <span className={`badge b-${s}`}>{s}</span> {n}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
