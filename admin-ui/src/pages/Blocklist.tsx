import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { RecordTable } from "../components/RecordTable.tsx";
import { EP, T } from "../endpoints.ts";
import { useCapabilities } from "../capabilities.ts";
import { BLOCKLIST_KINDS, type BlocklistKind } from "../../../schemas/enums.ts";

const BLOCKLIST_KIND_LABELS: Record<BlocklistKind, string> = { nik: "NIK", phone: "phone", bank_account: "bank account (BANKCODE:number)", device: "device" };

export function Blocklist() {
  const { user } = useAuth();
  const caps = useCapabilities();
  const admin = user?.role === "admin" && caps.has(T.blocklist, "post");
  const qc = useQueryClient();
  const [kind, setKind] = useState("nik");
  const [value, setValue] = useState("");
  const [reason, setReason] = useState("");
  const done = () => qc.invalidateQueries({ queryKey: ["record", "blocklist"] });
  const add = useMutation({
    mutationFn: () => api(EP.blocklist, { method: "POST", json: { kind, value, reason } }),
    onSuccess: () => {
      setValue("");
      setReason("");
      done();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => api(EP.blocklistEntry(id), { method: "DELETE" }), onSuccess: done });
  return (
    <div className="page">
      <h1>Blocklist</h1>
      {admin && (
        <form
          className="card filters"
          aria-label="Add to blocklist"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <label>
            Kind
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              {BLOCKLIST_KINDS.map((k) => (
                <option key={k} value={k}>
                  {BLOCKLIST_KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Value
            <input name="value" required value={value} onChange={(e) => setValue(e.target.value)} />
          </label>
          <label>
            Reason
            <input name="reason" required minLength={3} value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="filter-buttons">
            <button type="submit" disabled={add.isPending}>
              Block
            </button>
          </div>
          {(add.error || remove.error) && (
            <p className="form-error" role="alert">
              {((add.error || remove.error) as Error).message}
            </p>
          )}
        </form>
      )}
      <RecordTable
        record="blocklist"
        columns={["id", "kind", "value", "reason", "created_by", "created_at", "removed_at"]}
        options={{ kind: BLOCKLIST_KINDS }}
        actions={
          admin
            ? (r) =>
                r.removed_at ? null : (
                  <button type="button" className="small secondary" onClick={() => remove.mutate(String(r.id))}>
                    Remove
                  </button>
                )
            : undefined
        }
      />
    </div>
  );
}
