// Calls to a dependency (S3, Redis, a payment gateway, an SMS provider) are bounded: `callDependency` runs the call
// with an AbortSignal and a deadline, and turns a timeout or a connection failure (refused, reset, DNS) into
// DependencyUnavailable — a 503 problem+json (`dependency-unavailable`) with `Retry-After`, logged by the HTTP
// error handler as that dependency's failure. Other errors (a provider's 4xx, a bug) pass through unchanged.
import { HttpProblem } from "../http/problem.ts";

export class DependencyUnavailable extends HttpProblem {
  constructor(
    readonly dependency: string,
    readonly reason: string,
    readonly retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(
      503,
      "dependency-unavailable",
      "Service unavailable",
      `${dependency} is unavailable (${reason}); try again later`,
      { dependency, retryAfter: retryAfterSeconds },
      { "Retry-After": String(retryAfterSeconds) },
    );
    this.name = "DependencyUnavailable";
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "ConnectionRefused",
  "ConnectionClosed",
  "FailedToOpenSocket",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * Whether an error says the dependency could not be reached (as opposed to an answer it gave). An endpoint that
 * answers bytes that are not HTTP (another service on the port, a broken proxy) counts: there is no answer to read.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && (CONNECTION_CODES.has(e.code) || e.code.startsWith("HPE_") || e.code === "Malformed_HTTP_Response")) return true;
    if (e.name === "TimeoutError" || e.name === "AbortError" || e.name === "RequestTimeout") return true;
    if (typeof e.message === "string" && /Unable to connect|ECONNREFUSED|ECONNRESET|socket hang up|Connection refused|connection closed|timed out|Connection is closed/i.test(e.message)) return true;
  }
  return false;
}

export interface DependencyCallOptions {
  /** Deadline of the whole call (default 5 s). */
  timeoutMs?: number;
  /** Retry-After of the 503 (default 5 s). */
  retryAfterSeconds?: number;
  /** An outer signal (a job's ctx.signal): aborts the call too. */
  signal?: AbortSignal;
}

/**
 * Run one call to `dependency` within a deadline. `fn` gets an AbortSignal that fires at the deadline (pass it to
 * fetch / the SDK); the promise rejects with DependencyUnavailable at the deadline even if `fn` ignores it.
 */
export async function callDependency<T>(dependency: string, fn: (signal: AbortSignal) => Promise<T>, opts: DependencyCallOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retryAfter = opts.retryAfterSeconds ?? 5;
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onOuter = () => ac.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onOuter();
  opts.signal?.addEventListener("abort", onOuter, { once: true });
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DependencyUnavailable(dependency, `no answer within ${timeoutMs} ms`, retryAfter);
      ac.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(ac.signal)), deadline]);
  } catch (err) {
    if (err instanceof DependencyUnavailable) throw err;
    if (opts.signal?.aborted) throw err; // the caller gave up (job timeout, shutdown): not the dependency's failure
    if (isConnectionError(err)) throw new DependencyUnavailable(dependency, describe(err), retryAfter, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuter);
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const msg = typeof e?.message === "string" ? e.message.slice(0, 200) : String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
