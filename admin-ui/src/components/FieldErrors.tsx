// A refused form's problem shown where staff look: the detail once, and each field's message beside its field
// (by the API's `errors[].path`), with the field's human label. Used by the staff, blocklist and settings forms.
import { ApiError } from "../api.ts";
import { useI18n } from "../i18n/index.tsx";

/** The API's message for one field (its path, or a path starting with it), or null. */
export function fieldError(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const hit = error.problem.errors?.find((x) => x.path === field || x.path.startsWith(`${field}.`) || x.path.startsWith(`${field}[`));
  return hit ? hit.message : null;
}

export function FieldError({ error, field }: { error: unknown; field: string }) {
  const msg = fieldError(error, field);
  return msg ? (
    <span className="field-error" role="alert" data-field={field}>
      {msg}
    </span>
  ) : null;
}

/** The problem's summary (and the messages of fields the form does not show). */
export function FormAlert({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  const { t, col } = useI18n();
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return (
      <p className="form-error" role="alert">
        {error instanceof TypeError ? t("The server could not be reached. Try again.", "Server tidak dapat dihubungi. Coba lagi.") : String((error as Error).message ?? error)}
      </p>
    );
  }
  const others = (error.problem.errors ?? []).filter((x) => !fields.some((f) => x.path === f || x.path.startsWith(`${f}.`)));
  return (
    <div className="form-error" role="alert">
      {error.problem.errors?.length ? t("Check the highlighted fields.", "Periksa isian yang ditandai.") : error.message}
      {others.length > 0 && (
        <ul>
          {others.map((x) => (
            <li key={x.path}>
              {col(x.path)}: {x.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
