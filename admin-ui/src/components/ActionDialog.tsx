// A modal for a money-moving write: fill the form → review and confirm → the POST (with an Idempotency-Key naming
// the resource) → close and refresh. Errors show the problem's detail and keep the dialog open. A write the
// four-eyes policy holds for approval answers 202 with the proposal (isPendingApproval / pendingNotice).
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../api.ts";
import { rupiah } from "../format.ts";
import { useI18n, type I18n } from "../i18n/index.tsx";

/** A write's 202 answer: proposed, another staff member must approve it (src/approvals). */
export interface PendingApproval {
  approvalRequired: true;
  approval: { id: string; label: string; labelId: string; amount: number | null; status: string; expiresAt: string };
}

export function isPendingApproval(r: unknown): r is PendingApproval {
  return !!r && typeof r === "object" && (r as { approvalRequired?: unknown }).approvalRequired === true && typeof (r as PendingApproval).approval?.id === "string";
}

/** The notice for a proposal: nothing has happened yet. */
export function pendingNotice(t: I18n["t"], r: PendingApproval): string {
  const a = r.approval;
  const amount = a.amount === null ? "" : ` (${rupiah(a.amount)})`;
  return t(
    `${a.label}${amount} proposed, awaiting approval by another staff member (Approvals page). Nothing has changed yet.`,
    `${a.labelId}${amount} diajukan, menunggu persetujuan staf lain (halaman Persetujuan). Belum ada yang berubah.`,
  );
}

function nonce() {
  // crypto.getRandomValues works outside secure contexts too (randomUUID does not).
  const b = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * `<action>-<resource id>-<nonce>`: one key per attempt. A retry after a network error or a 5xx reuses it (the
 * server replays the first result, so a lost response never moves money twice); a 4xx answer was stored by the
 * server for that exact body, so the next attempt (usually with a corrected form) gets a fresh key.
 */
export function idempotencyKey(action: string, resourceId: string) {
  return `${action}-${encodeURIComponent(resourceId)}-${nonce()}`.slice(0, 255);
}

export function problemText(e: unknown): string {
  if (e instanceof ApiError) {
    const p = e.problem;
    const detail = p.detail ?? p.title ?? `HTTP ${e.status}`;
    const fields = p.errors?.length ? ` (${p.errors.map((x) => `${x.path}: ${x.message}`).join("; ")})` : "";
    return `${detail}${fields}`;
  }
  if (e instanceof TypeError) return "The server could not be reached. Try again; the same request will not be applied twice.";
  return e instanceof Error ? e.message : String(e);
}

/** A confirmation step's buttons: confirm (submits the form; "Saving…" while pending) and back to the form. */
export function ConfirmButtons({ label, danger, pending, onBack }: { label: string; danger?: boolean; pending: boolean; onBack: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <button type="submit" className={danger ? "danger" : undefined} disabled={pending}>
        {pending ? t("Saving…", "Menyimpan…") : label}
      </button>
      <button type="button" className="secondary" disabled={pending} onClick={onBack}>
        {t("Back", "Kembali")}
      </button>
    </>
  );
}

export interface ActionDialogProps<R> {
  title: string;
  /** Names the action and the resource in the Idempotency-Key. */
  action: string;
  resourceId: string;
  /** The form fields (controlled by the caller). */
  children: ReactNode;
  /** Whether the form is complete; "Continue" stays disabled until it is. */
  valid: boolean;
  /** What will happen, shown on the confirmation step. */
  summary: ReactNode;
  confirmLabel: string;
  /** Style the confirm button as destructive. */
  danger?: boolean;
  run: (idempotencyKey: string) => Promise<R>;
  onDone: (result: R) => void;
  onClose: () => void;
}

export function ActionDialog<R>({ title, action, resourceId, children, valid, summary, confirmLabel, danger, run, onDone, onClose }: ActionDialogProps<R>) {
  const qc = useQueryClient();
  const { t } = useI18n();
  const titleId = useId();
  const [step, setStep] = useState<"edit" | "confirm">("edit");
  const key = useRef(idempotencyKey(action, resourceId));
  const m = useMutation({
    mutationFn: () => run(key.current),
    onSuccess: async (r) => {
      await qc.invalidateQueries({ queryKey: ["record"] });
      qc.invalidateQueries({ queryKey: ["trial-balance"] });
      qc.invalidateQueries({ queryKey: ["approvals"] });
      qc.invalidateQueries({ queryKey: ["audit"] });
      onDone(r);
    },
    onError: (e) => {
      const retryable = !(e instanceof ApiError) || e.status >= 500 || e.problem.type?.endsWith("/idempotency-key-in-use");
      if (!retryable) key.current = idempotencyKey(action, resourceId);
    },
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !m.isPending) onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [m.isPending, onClose]);
  return (
    <div className="modal-backdrop">
      <div className="modal card" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId}>{title}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (step === "edit") {
              if (valid) {
                m.reset();
                setStep("confirm");
              }
            } else if (!m.isPending) m.mutate();
          }}
        >
          {step === "edit" ? (
            <fieldset className="modal-fields">{children}</fieldset>
          ) : (
            <div className="confirm" data-testid="confirm-step">
              {summary}
            </div>
          )}
          {m.error && (
            <p className="form-error" role="alert">
              {problemText(m.error)}
            </p>
          )}
          <div className="row modal-buttons">
            {step === "edit" ? (
              <>
                <button type="submit" disabled={!valid}>
                  {t("Continue", "Lanjut")}
                </button>
                <button type="button" className="secondary" onClick={onClose}>
                  {t("Cancel", "Batal")}
                </button>
              </>
            ) : (
              <ConfirmButtons label={confirmLabel} danger={danger} pending={m.isPending} onBack={() => setStep("edit")} />
            )}
          </div>
        </form>
      </div>
    </div>
  );
}
