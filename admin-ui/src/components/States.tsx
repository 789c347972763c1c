import { ApiError } from "../api.ts";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  if (error instanceof ApiError && error.notAvailable) return <NotAvailable detail={error.message} />;
  if (error instanceof ApiError && error.status === 403) return <Forbidden detail={error.message} />;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <strong>Could not load this.</strong> {msg}
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function NotAvailable({ detail }: { detail?: string }) {
  return (
    <div className="state unavailable" data-testid="not-available">
      <strong>Not available in this deployment.</strong> The backend for this page is not installed yet{detail ? ` (${detail})` : ""}.
    </div>
  );
}

export function Forbidden({ detail }: { detail?: string }) {
  return (
    <div className="state forbidden" data-testid="forbidden" role="alert">
      <h2>Forbidden</h2>
      <p>Your role may not open this page.{detail ? ` ${detail}` : ""}</p>
    </div>
  );
}

export function Empty({ children = "Nothing here yet." }: { children?: React.ReactNode }) {
  return <div className="state empty">{children}</div>;
}

/** A refused form submission: the problem's message and, for a validation problem, each failing field. */
export function FormProblem({ error }: { error: ApiError }) {
  return (
    <div className="form-error" role="alert">
      {error.message}
      {error.problem?.errors && (
        <ul>
          {error.problem.errors.map((x) => (
            <li key={x.path}>
              {x.path}: {x.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
