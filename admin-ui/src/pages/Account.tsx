// The signed-in staff member: who they are and their passkeys (add with this browser's authenticator, remove).
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { browserSupportsWebAuthn, startRegistration } from "@simplewebauthn/browser";
import { api, dateTime } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { useI18n } from "../i18n/index.tsx";
import { useCapabilities } from "../capabilities.ts";
import { Empty, ErrorState, Loading, NotAvailable } from "../components/States.tsx";

interface Passkey {
  id: string;
  deviceName: string;
  deviceType: string | null;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

export function Account() {
  const { user } = useAuth();
  const { t, val } = useI18n();
  const caps = useCapabilities();
  const qc = useQueryClient();
  const [deviceName, setDeviceName] = useState("This browser");
  const installed = caps.has("/api/v1/auth/passkeys");
  const list = useQuery({ queryKey: ["passkeys"], enabled: caps.ready && installed, queryFn: () => api<{ items: Passkey[] }>("/api/v1/auth/passkeys") });
  const add = useMutation({
    mutationFn: async () => {
      const { challengeId, options } = await api<{ challengeId: string; options: any }>("/api/v1/auth/passkeys/register/options", { method: "POST", json: {} });
      const response = await startRegistration({ optionsJSON: options });
      return api("/api/v1/auth/passkeys/register/verify", { method: "POST", json: { challengeId, response, deviceName } });
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: ["passkeys"] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/v1/auth/passkeys/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["passkeys"] }),
  });
  return (
    <div className="page">
      <h1>{t("Account", "Akun")}</h1>
      <section className="card">
        <dl className="fields">
          <div>
            <dt>{t("Email", "Email")}</dt>
            <dd>{user?.email}</dd>
          </div>
          <div>
            <dt>{t("Role", "Peran")}</dt>
            <dd>{val(user?.role)}</dd>
          </div>
          <div>
            <dt>ID</dt>
            <dd>{user?.id}</dd>
          </div>
        </dl>
      </section>
      <section className="card" aria-label="Passkeys">
        <h2>Passkeys</h2>
        {!caps.ready ? (
          <Loading what={t("Loading", "Memuat")} />
        ) : !installed ? (
          <NotAvailable detail="passkeys" />
        ) : list.isLoading ? (
          <Loading what={t("Loading", "Memuat")} />
        ) : list.error ? (
          <ErrorState error={list.error} retry={() => list.refetch()} />
        ) : (
          <>
            {list.data!.items.length === 0 ? (
              <Empty>{t("No passkeys yet. Add one to sign in without a password.", "Belum ada passkey. Tambahkan satu untuk masuk tanpa kata sandi.")}</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>{t("Device", "Perangkat")}</th>
                      <th>{t("Type", "Jenis")}</th>
                      <th>{t("Added", "Ditambahkan")}</th>
                      <th>{t("Last used", "Terakhir dipakai")}</th>
                      <th className="actions">{t("Actions", "Tindakan")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data!.items.map((p) => (
                      <tr key={p.id}>
                        <td>{p.deviceName}</td>
                        <td>{p.deviceType === "multiDevice" ? t("Synced (multi-device)", "Tersinkron (banyak perangkat)") : p.deviceType === "singleDevice" ? t("This device only", "Hanya perangkat ini") : (p.deviceType ?? "—")}</td>
                        <td>{dateTime(p.createdAt)}</td>
                        <td>{dateTime(p.lastUsedAt)}</td>
                        <td className="actions">
                          <button type="button" className="small secondary" onClick={() => remove.mutate(p.id)}>
                            {t("Remove", "Hapus")}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {browserSupportsWebAuthn() ? (
              <form
                className="filters"
                onSubmit={(e) => {
                  e.preventDefault();
                  add.mutate();
                }}
              >
                <label>
                  {t("Device name", "Nama perangkat")}
                  <input name="deviceName" value={deviceName} onChange={(e) => setDeviceName(e.target.value)} />
                </label>
                <div className="filter-buttons">
                  <button type="submit" disabled={add.isPending}>
                    {t("Add a passkey", "Tambah passkey")}
                  </button>
                </div>
              </form>
            ) : (
              <p className="muted">{t("This browser does not support passkeys.", "Peramban ini tidak mendukung passkey.")}</p>
            )}
            {(add.error || remove.error) && (
              <p className="form-error" role="alert">
                {((add.error || remove.error) as Error).message}
              </p>
            )}
          </>
        )}
      </section>
    </div>
  );
}
