// Staff management (admin): the staff accounts with their role, status, open sessions and last sign-in; create an
// account with an initial password; change a role, disable/enable an account (disabling signs it out everywhere),
// end an account's sessions. The API protects the last active admin and audits every change.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, dateTime, number } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { useI18n } from "../i18n/index.tsx";
import { ActionDialog } from "../components/ActionDialog.tsx";
import { DataTable, QueryView } from "../components/QueryView.tsx";
import { FieldError, FormAlert } from "../components/FieldErrors.tsx";

const STAFF_ROLES = ["admin", "analyst", "finance"] as const;
type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffMember {
  id: string;
  email: string;
  displayName: string | null;
  role: StaffRole;
  status: "active" | "disabled";
  lockedUntil: string | null;
  activeSessions: number;
  lastSignInAt: string | null;
  createdAt: string;
}

type Pending =
  | { kind: "role"; member: StaffMember; role: StaffRole }
  | { kind: "status"; member: StaffMember; status: "active" | "disabled" }
  | { kind: "sessions"; member: StaffMember };

const USERS = "/api/v1/auth/users";
const user = (id: string) => `${USERS}/${encodeURIComponent(id)}`;

function CreateStaff() {
  const { t, val } = useI18n();
  const qc = useQueryClient();
  const empty = { email: "", displayName: "", role: "analyst" as StaffRole, password: "" };
  const [form, setForm] = useState(empty);
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<StaffMember>(USERS, { method: "POST", json: form }),
    onSuccess: (m) => {
      setCreated(m.email);
      setForm(empty);
      qc.invalidateQueries({ queryKey: ["staff"] });
    },
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <form
      className="card filters"
      aria-label={t("Create a staff account", "Buat akun staf")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setCreated(null);
        create.mutate();
      }}
    >
      <h2>{t("New staff account", "Akun staf baru")}</h2>
      <label>
        {t("Email", "Email")}
        <input name="email" type="email" autoComplete="off" value={form.email} onChange={set("email")} aria-invalid={!!create.error} />
        <FieldError error={create.error} field="email" />
      </label>
      <label>
        {t("Name", "Nama")}
        <input name="displayName" value={form.displayName} onChange={set("displayName")} />
        <FieldError error={create.error} field="displayName" />
      </label>
      <label>
        {t("Role", "Peran")}
        <select name="role" value={form.role} onChange={set("role")}>
          {STAFF_ROLES.map((r) => (
            <option key={r} value={r}>
              {val(r)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("Initial password", "Kata sandi awal")}
        <input name="password" type="password" autoComplete="new-password" value={form.password} onChange={set("password")} />
        <FieldError error={create.error} field="password" />
      </label>
      <div className="filter-buttons">
        <button type="submit" disabled={create.isPending}>
          {t("Create account", "Buat akun")}
        </button>
      </div>
      <FormAlert error={create.error} fields={["email", "displayName", "password", "role"]} />
      {created && (
        <p className="notice ok" role="status">
          {t(`Created ${created}. Give them the initial password in person.`, `${created} dibuat. Sampaikan kata sandi awal secara langsung.`)}
        </p>
      )}
    </form>
  );
}

export function Staff() {
  const { t, val } = useI18n();
  const { user: me } = useAuth();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["staff"], queryFn: () => api<{ items: StaffMember[] }>(USERS) });
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const open = (p: Pending) => {
    setReason("");
    setDone(null);
    setPending(p);
  };
  const who = (m: StaffMember) => m.displayName ?? m.email;
  const dialog = pending && {
    role: {
      title: t("Change role", "Ubah peran"),
      summary: t(
        `${who(pending.member)} becomes ${val((pending as { role?: string }).role)}. Their open sessions end; they sign in again.`,
        `${who(pending.member)} menjadi ${val((pending as { role?: string }).role)}. Sesi yang terbuka berakhir; mereka masuk lagi.`,
      ),
      confirm: t("Change role", "Ubah peran"),
      run: (key: string) => api(`${user(pending.member.id)}/role`, { method: "PUT", json: { role: (pending as { role: StaffRole }).role }, headers: { "Idempotency-Key": key } }),
      after: t("Role changed.", "Peran diubah."),
    },
    status: {
      title: (pending as { status?: string }).status === "disabled" ? t("Disable account", "Nonaktifkan akun") : t("Enable account", "Aktifkan akun"),
      summary:
        (pending as { status?: string }).status === "disabled"
          ? t(`${who(pending.member)} can no longer sign in; every open session ends now.`, `${who(pending.member)} tidak dapat masuk lagi; semua sesi yang terbuka berakhir sekarang.`)
          : t(`${who(pending.member)} can sign in again.`, `${who(pending.member)} dapat masuk lagi.`),
      confirm: (pending as { status?: string }).status === "disabled" ? t("Disable", "Nonaktifkan") : t("Enable", "Aktifkan"),
      run: () => api(`${user(pending.member.id)}/status`, { method: "PUT", json: { status: (pending as { status: string }).status, ...(reason.trim() ? { reason: reason.trim() } : {}) } }),
      after: t("Account updated.", "Akun diperbarui."),
    },
    sessions: {
      title: t("End sessions", "Akhiri sesi"),
      summary: t(`Every session of ${who(pending.member)} ends now; they must sign in again.`, `Semua sesi ${who(pending.member)} berakhir sekarang; mereka harus masuk lagi.`),
      confirm: t("End sessions", "Akhiri sesi"),
      run: () => api(`${user(pending.member.id)}/sessions/revoke`, { method: "POST", json: reason.trim() ? { reason: reason.trim() } : {} }),
      after: t("Sessions ended.", "Sesi diakhiri."),
    },
  }[pending.kind];
  return (
    <div className="page">
      <h1>{t("Staff", "Staf")}</h1>
      <CreateStaff />
      {done && (
        <p className="notice ok" role="status">
          {done}
        </p>
      )}
      <QueryView q={q}>
        {() => (
          <DataTable
            aria-label={t("Staff accounts", "Akun staf")}
            head={
              <>
                <th>{t("Email", "Email")}</th>
                <th>{t("Name", "Nama")}</th>
                <th>{t("Role", "Peran")}</th>
                <th>{t("Status", "Status")}</th>
                <th>{t("Open sessions", "Sesi terbuka")}</th>
                <th>{t("Last sign-in", "Terakhir masuk")}</th>
                <th>{t("Created", "Dibuat")}</th>
                <th className="actions">{t("Actions", "Tindakan")}</th>
              </>
            }
          >
            {q.data!.items.map((m) => (
              <tr key={m.id} data-staff={m.email} className={m.status === "disabled" ? "removed" : undefined}>
                <td>{m.email}</td>
                <td>{m.displayName ?? "—"}</td>
                <td>
                  <select
                    aria-label={t(`Role of ${m.email}`, `Peran ${m.email}`)}
                    value={m.role}
                    onChange={(e) => open({ kind: "role", member: m, role: e.target.value as StaffRole })}
                  >
                    {STAFF_ROLES.map((r) => (
                      <option key={r} value={r}>
                        {val(r)}
                      </option>
                    ))}
                  </select>
                </td>
                <td data-testid="staff-status">{val(m.status)}</td>
                <td>{number(m.activeSessions)}</td>
                <td>{m.lastSignInAt ? dateTime(m.lastSignInAt) : "—"}</td>
                <td>{dateTime(m.createdAt)}</td>
                <td className="actions">
                  <div className="row">
                    {m.status === "active" ? (
                      <button type="button" className="small secondary" onClick={() => open({ kind: "status", member: m, status: "disabled" })} disabled={m.id === me?.id}>
                        {t("Disable", "Nonaktifkan")}
                      </button>
                    ) : (
                      <button type="button" className="small secondary" onClick={() => open({ kind: "status", member: m, status: "active" })}>
                        {t("Enable", "Aktifkan")}
                      </button>
                    )}
                    <button type="button" className="small secondary" onClick={() => open({ kind: "sessions", member: m })} disabled={m.activeSessions === 0}>
                      {t("End sessions", "Akhiri sesi")}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </QueryView>
      {pending && dialog && (
        <ActionDialog
          title={dialog.title}
          action={`staff-${pending.kind}`}
          resourceId={pending.member.id}
          valid
          summary={<p>{dialog.summary}</p>}
          confirmLabel={dialog.confirm}
          danger={pending.kind !== "role" && !(pending.kind === "status" && pending.status === "active")}
          run={(key) => dialog.run(key)}
          onDone={() => {
            setDone(dialog.after);
            setPending(null);
            qc.invalidateQueries({ queryKey: ["staff"] });
          }}
          onClose={() => setPending(null)}
        >
          <p>
            <strong>{pending.member.email}</strong>
          </p>
          {pending.kind !== "role" && (
            <label>
              {t("Reason (kept in the audit trail)", "Alasan (disimpan di jejak audit)")}
              <input name="reason" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
          )}
        </ActionDialog>
      )}
    </div>
  );
}
