// Roll rates: for the loans in each DPD bucket on the start day, the share found in each bucket on the end day
// (GET /api/v1/admin/portfolio/roll-rates), as a stacked chart and as a table of the same figures.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, dateWib, number, percentOfRatio, qs } from "../api.ts";
import { isoDateWib } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { Empty } from "../components/States.tsx";
import { DataTable, QueryView } from "../components/QueryView.tsx";

const BUCKETS = ["lancar", "dpd_1_30", "dpd_31_60", "dpd_61_90", "macet"] as const;
const BUCKET_LABELS: Record<string, [string, string]> = {
  lancar: ["Current", "Lancar"],
  dpd_1_30: ["1–30 DPD", "1–30 HKT"],
  dpd_31_60: ["31–60 DPD", "31–60 HKT"],
  dpd_61_90: ["61–90 DPD", "61–90 HKT"],
  macet: ["Loss (90+ DPD)", "Macet (90+ HKT)"],
  paid_off: ["Paid off", "Lunas"],
  written_off: ["Written off", "Dihapusbukukan"],
};
const COLORS = ["#2f9e44", "#f0b429", "#e8590c", "#c92a2a", "#5c1a1a", "#228be6", "#868e96", "#7048e8"];

interface Row {
  from: string;
  loans: number;
  to: Record<string, number>;
  rollForward: number;
  cured: number;
}
interface Report {
  from: string | null;
  to: string | null;
  rows: Row[];
}

export function RollRates() {
  const { t, lang } = useI18n();
  const bucket = (b: string) => {
    const l = BUCKET_LABELS[b];
    return l ? (lang === "id" ? l[1] : l[0]) : b;
  };
  // empty: the API's default period (the last 30 days of snapshots)
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [range, setRange] = useState({ from, to });
  const q = useQuery({ queryKey: ["roll-rates", range], queryFn: () => api<Report>(`/api/v1/admin/portfolio/roll-rates${qs(range)}`) });
  const targets = q.data ? [...new Set([...BUCKETS, ...q.data.rows.flatMap((r) => Object.keys(r.to))])].filter((b) => q.data!.rows.some((r) => r.to[b] !== undefined)) : [];
  const chart = (q.data?.rows ?? []).map((r) => ({ name: bucket(r.from), ...Object.fromEntries(targets.map((b) => [b, Math.round((r.to[b] ?? 0) * 1000) / 10])) }));
  return (
    <div className="page">
      <h1>{t("Roll rates", "Roll rate")}</h1>
      <form
        className="card filters"
        aria-label={t("Period", "Periode")}
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ from, to });
        }}
      >
        <label>
          {t("From (start day)", "Dari (hari awal)")}
          <input type="date" name="from" max={isoDateWib()} value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t("To (end day)", "Sampai (hari akhir)")}
          <input type="date" name="to" max={isoDateWib()} value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <div className="filter-buttons">
          <button type="submit">{t("Show", "Tampilkan")}</button>
        </div>
      </form>
      <QueryView
        q={q}
        empty={q.data?.rows.length === 0 && <Empty>{t("No DPD snapshots in this period yet (the daily sweep takes them).", "Belum ada snapshot DPD pada periode ini (sweep harian mengambilnya).")}</Empty>}
      >
        {() => (
          <>
            <p className="muted">
              {t("Loans by bucket on", "Pinjaman per kelompok pada")} {dateWib(q.data!.from)} → {dateWib(q.data!.to)}
            </p>
            <div className="card" style={{ height: 320 }} data-testid="roll-rate-chart">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chart} layout="vertical" margin={{ left: 40 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis type="number" domain={[0, 100]} unit=" %" />
                  <YAxis type="category" dataKey="name" width={110} />
                  <Tooltip formatter={(v) => `${number(v)} %`} />
                  <Legend />
                  {targets.map((b, i) => (
                    <Bar key={b} dataKey={b} name={bucket(b)} stackId="to" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </div>
            <DataTable
              aria-label={t("Roll rates", "Roll rate")}
              head={
                <>
                  <th>{t("Start bucket", "Kelompok awal")}</th>
                  <th>{t("Loans", "Pinjaman")}</th>
                  {targets.map((b) => (
                    <th key={b}>→ {bucket(b)}</th>
                  ))}
                  <th>{t("Rolled forward", "Memburuk")}</th>
                  <th>{t("Cured", "Membaik")}</th>
                </>
              }
            >
              {q.data!.rows.map((r) => (
                <tr key={r.from} data-from={r.from}>
                  <th scope="row">{bucket(r.from)}</th>
                  <td data-testid="loans">{number(r.loans)}</td>
                  {targets.map((b) => (
                    <td key={b} data-to={b}>
                      {r.to[b] === undefined ? "—" : percentOfRatio(r.to[b], 1)}
                    </td>
                  ))}
                  <td data-testid="roll-forward">{percentOfRatio(r.rollForward, 1)}</td>
                  <td data-testid="cured">{percentOfRatio(r.cured, 1)}</td>
                </tr>
              ))}
            </DataTable>
          </>
        )}
      </QueryView>
    </div>
  );
}
