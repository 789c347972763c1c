import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../api.ts";
import { RecordTable } from "../components/RecordTable.tsx";
import { EP, T } from "../endpoints.ts";
import { useCapabilities } from "../capabilities.ts";
import { useAuth } from "../auth.tsx";
import { useI18n } from "../i18n/index.tsx";
import { PAYMENT_PROVIDERS, WEBHOOK_EVENT_STATUSES, WEBHOOK_KINDS } from "../../../schemas/enums.ts";

export function Webhooks() {
  const qc = useQueryClient();
  const { user } = useAuth();
  const { t } = useI18n();
  // Replay is an admin action (the payments feature's route allows admin only).
  const canReplay = useCapabilities().has(T.webhookReplay, "post") && user?.role === "admin";
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const replay = useMutation({
    mutationFn: (id: number) => api(EP.webhookReplay(id), { method: "POST", headers: { "Idempotency-Key": `replay-${id}-${Date.now()}` } }),
    onSuccess: (_d, id) => {
      setMsg({ ok: true, text: t(`Event ${id} replayed.`, `Peristiwa ${id} diputar ulang.`) });
      qc.invalidateQueries({ queryKey: ["record"] });
    },
    onError: (e, id) => setMsg({ ok: false, text: t(`Replay of ${id} failed: `, `Putar ulang ${id} gagal: `) + (e instanceof ApiError ? e.message : String(e)) }),
  });
  return (
    <div className="page">
      <h1>{t("Webhook log", "Log webhook")}</h1>
      <p className="muted">
        {t(
          "Every gateway delivery as received. Failed verified events can be replayed; duplicates never apply twice.",
          "Setiap kiriman gateway sebagaimana diterima. Peristiwa terverifikasi yang gagal dapat diputar ulang; duplikat tidak pernah diterapkan dua kali.",
        )}
      </p>
      {!canReplay && <p className="muted" data-testid="replay-unavailable">
          {t("Replay needs the admin role and the payments feature.", "Putar ulang memerlukan peran admin dan fitur pembayaran.")}
        </p>}
      {msg && (
        <p className={msg.ok ? "notice ok" : "notice bad"} role="status">
          {msg.text}
        </p>
      )}
      <RecordTable
        record="webhook_events"
        columns={["id", "status", "provider", "kind", "event_id", "verified", "attempts", "failure_reason", "received_at"]}
        options={{ status: WEBHOOK_EVENT_STATUSES, provider: PAYMENT_PROVIDERS, kind: WEBHOOK_KINDS }}
        actions={(r) =>
          canReplay && r.status === "failed" && r.verified === 1 ? (
            <button type="button" className="small" disabled={replay.isPending} onClick={() => replay.mutate(Number(r.id))}>
              {t("Replay", "Putar ulang")}
            </button>
          ) : null
        }
      />
    </div>
  );
}
