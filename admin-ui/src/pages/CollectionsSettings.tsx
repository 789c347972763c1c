// Collections settings and the delinquency sweep (admin changes, every staff role reads): the write-off threshold
// (days past due), and "run the sweep now" (POST /api/v1/admin/collections/sweep, idempotent per Jakarta day),
// whose queued job is followed until it finishes (GET /api/v1/jobs/{key}).
import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, dateWib } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { useI18n } from "../i18n/index.tsx";
import { ActionDialog } from "../components/ActionDialog.tsx";
import { ErrorState, Loading } from "../components/States.tsx";
import { FieldError, FormAlert } from "../components/FieldErrors.tsx";

const SETTINGS = "/api/v1/admin/collections/settings";

interface Job {
  key: string;
  state: string;
  attempts: number;
  lastError: string | null;
  finished: boolean;
}

function SettingsForm({ current, editable }: { current: number; editable: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [value, setValue] = useState(String(current));
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () => api<{ writeOffDpd: number }>(SETTINGS, { method: "PUT", json: { writeOffDpd: Number(value) } }),
    onSuccess: (r) => {
      setValue(String(r.writeOffDpd));
      setSaved(true);
      qc.invalidateQueries({ queryKey: ["collections-settings"] });
    },
  });
  return (
    <form
      className="card filters"
      aria-label={t("Collections settings", "Pengaturan penagihan")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        save.mutate();
      }}
    >
      <label>
        {t("Write-off allowed from (days past due)", "Hapus buku diizinkan mulai (hari keterlambatan)")}
        <input name="writeOffDpd" inputMode="numeric" value={value} disabled={!editable} onChange={(e) => (setSaved(false), setValue(e.target.value))} />
        <FieldError error={save.error} field="writeOffDpd" />
      </label>
      {editable && (
        <div className="filter-buttons">
          <button type="submit" disabled={save.isPending || value === String(current)}>
            {t("Save", "Simpan")}
          </button>
        </div>
      )}
      <FormAlert error={save.error} fields={["writeOffDpd"]} />
      {saved && (
        <p className="notice ok" role="status">
          {t("Saved.", "Tersimpan.")}
        </p>
      )}
    </form>
  );
}

function Sweep() {
  const { t, val } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [queued, setQueued] = useState<{ jobKey: string; runDate: string } | null>(null);
  const job = useQuery({
    queryKey: ["job", queued?.jobKey],
    enabled: !!queued,
    queryFn: () => api<Job>(`/api/v1/jobs/${encodeURIComponent(queued!.jobKey)}`),
    refetchInterval: (q) => (q.state.data?.finished ? false : 1000),
  });
  const qc = useQueryClient();
  useEffect(() => {
    if (job.data?.finished) qc.invalidateQueries({ queryKey: ["record"] });
  }, [job.data?.finished, qc]);
  return (
    <section className="card" aria-label={t("Delinquency sweep", "Sweep keterlambatan")}>
      <h2>{t("Delinquency sweep", "Sweep keterlambatan")}</h2>
      <p className="muted">
        {t(
          "Runs every day on its own: recomputes days past due, charges late fees, sends reminders and takes the DPD snapshot. Run it now after a correction; a second run the same day re-evaluates the loans that were behind.",
          "Berjalan otomatis setiap hari: menghitung ulang hari keterlambatan, membebankan denda, mengirim pengingat dan mengambil snapshot DPD. Jalankan sekarang setelah koreksi; jalan kedua di hari yang sama mengevaluasi ulang pinjaman yang tertunggak.",
        )}
      </p>
      <button type="button" onClick={() => setConfirming(true)}>
        {t("Run the sweep now", "Jalankan sweep sekarang")}
      </button>
      {queued && (
        <p role="status" data-testid="sweep-status">
          {t(`Sweep for ${dateWib(queued.runDate)}:`, `Sweep untuk ${dateWib(queued.runDate)}:`)} <strong data-state={job.data?.state ?? "queued"}>{job.data ? val(job.data.state) : t("queued", "dalam antrean")}</strong>
          {job.data?.lastError ? ` — ${job.data.lastError}` : ""}
        </p>
      )}
      {confirming && (
        <ActionDialog
          title={t("Run the delinquency sweep", "Jalankan sweep keterlambatan")}
          action="collections-sweep"
          resourceId="today"
          valid
          summary={<p>{t("The sweep for today (Asia/Jakarta) is queued now.", "Sweep untuk hari ini (Asia/Jakarta) masuk antrean sekarang.")}</p>}
          confirmLabel={t("Run the sweep", "Jalankan sweep")}
          run={(key) => api<{ jobKey: string; runDate: string }>("/api/v1/admin/collections/sweep", { method: "POST", headers: { "Idempotency-Key": key } })}
          onDone={(r) => {
            setQueued(r);
            setConfirming(false);
          }}
          onClose={() => setConfirming(false)}
        >
          <p>{t("Queue today's delinquency sweep?", "Masukkan sweep keterlambatan hari ini ke antrean?")}</p>
        </ActionDialog>
      )}
    </section>
  );
}

export function CollectionsSettings() {
  const { t } = useI18n();
  const { user } = useAuth();
  const admin = user?.role === "admin";
  const q = useQuery({ queryKey: ["collections-settings"], queryFn: () => api<{ writeOffDpd: number }>(SETTINGS) });
  return (
    <div className="page">
      <h1>{t("Write-off and sweep", "Hapus buku dan sweep")}</h1>
      {q.isLoading ? <Loading /> : q.error ? <ErrorState error={q.error} retry={() => q.refetch()} /> : <SettingsForm current={q.data!.writeOffDpd} editable={admin} />}
      {admin && <Sweep />}
    </div>
  );
}
