// The signed-in staff member: who they are and their passkeys (add with this browser's authenticator, remove).
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { browserSupportsWebAuthn, startRegistration } from "@simplewebauthn/browser";
import { api, dateTime } from "../api.ts";
import { useAuth } from "../auth.tsx";
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
      <h1>Account</h1>
      <section className="card">
        <dl className="fields">
          <div>
            <dt>email</dt>
            <dd>{user?.email}</dd>
          </div>
          <div>
            <dt>role</dt>
            <dd>{user?.role}</dd>
          </div>
          <div>
            <dt>id</dt>
            <dd>{user?.id}</dd>
          </div>
        </dl>
      </section>
      <section className="card" aria-label="Passkeys">
        <h2>Passkeys</h2>
        {!caps.ready ? (
          <Loading />
        ) : !installed ? (
          <NotAvailable detail="passkeys" />
        ) : list.isLoading ? (
          <Loading />
        ) : list.error ? (
          <ErrorState error={list.error} retry={() => list.refetch()} />
        ) : (
          <>
            {list.data!.items.length === 0 ? (
              <Empty>No passkeys yet. Add one to sign in without a password.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>device</th>
                      <th>type</th>
                      <th>added</th>
                      <th>last used</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {list.data!.items.map((p) => (
                      <tr key={p.id}>
                        <td>{p.deviceName}</td>
                        <td>{p.deviceType ?? "—"}</td>
                        <td>{dateTime(p.createdAt)}</td>
                        <td>{dateTime(p.lastUsedAt)}</td>
                        <td className="actions">
                          <button type="button" className="small secondary" onClick={() => remove.mutate(p.id)}>
                            Remove
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
                  Device name
                  <input name="deviceName" value={deviceName} onChange={(e) => setDeviceName(e.target.value)} />
                </label>
                <div className="filter-buttons">
                  <button type="submit" disabled={add.isPending}>
                    Add a passkey
                  </button>
                </div>
              </form>
            ) : (
              <p className="muted">This browser does not support passkeys.</p>
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
