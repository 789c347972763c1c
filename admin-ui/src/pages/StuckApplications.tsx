// Stuck applications (analyst, admin): applications in `checking` longer than the configured limit
// (GET /api/v1/admin/risk/stuck-applications), with how long and which step is missing (fraud check, score).
import { Link } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { api, dateTime, number } from "../api.ts";
import { useI18n } from "../i18n/index.tsx";
import { Empty } from "../components/States.tsx";
import { DataTable, QueryView } from "../components/QueryView.tsx";

interface Stuck {
  stuckAfterMinutes: number;
  items: { applicationId: string; userId: string; checkingSince: string; minutes: number; fraudChecked: boolean; scored: boolean }[];
}

export function StuckApplications() {
  const { t } = useI18n();
  const q = useQuery({ queryKey: ["stuck-applications"], queryFn: () => api<Stuck>("/api/v1/admin/risk/stuck-applications?limit=500"), refetchInterval: 60_000 });
  const yes = t("done", "selesai");
  const no = t("missing", "belum");
  return (
    <div className="page">
      <h1>{t("Stuck in checking", "Tertahan di pemeriksaan")}</h1>
      <QueryView q={q}>
        {() => (
          <>
            <p className="muted" data-testid="stuck-after">
              {t(
                `Applications still being checked after ${number(q.data!.stuckAfterMinutes)} minutes. The Jobs page shows the fraud-check and scoring jobs that failed; retry them there.`,
                `Pengajuan yang masih diperiksa setelah ${number(q.data!.stuckAfterMinutes)} menit. Halaman Tugas latar menampilkan tugas pemeriksaan fraud dan skor yang gagal; ulangi di sana.`,
              )}
            </p>
            {q.data!.items.length === 0 ? (
              <Empty>{t("No stuck applications.", "Tidak ada pengajuan macet.")}</Empty>
            ) : (
              <DataTable
                aria-label={t("Stuck applications", "Pengajuan macet")}
                head={
                  <>
                    <th>{t("Application", "Pengajuan")}</th>
                    <th>{t("Checking since", "Diperiksa sejak")}</th>
                    <th>{t("Minutes", "Menit")}</th>
                    <th>{t("Fraud check", "Pemeriksaan fraud")}</th>
                    <th>{t("Score", "Skor")}</th>
                  </>
                }
              >
                {q.data!.items.map((a) => (
                  <tr key={a.applicationId} data-application={a.applicationId}>
                    <td>
                      <Link to={`/applications/${encodeURIComponent(a.applicationId)}`}>{a.applicationId}</Link>
                    </td>
                    <td>{dateTime(a.checkingSince)}</td>
                    <td data-testid="minutes">{number(a.minutes)}</td>
                    <td>{a.fraudChecked ? yes : no}</td>
                    <td>{a.scored ? yes : no}</td>
                  </tr>
                ))}
              </DataTable>
            )}
          </>
        )}
      </QueryView>
    </div>
  );
}
