// One provider call with a bound and retries: each attempt is aborted after `timeoutMs`; a 5xx, a 429, a timeout or
// a network error is tried again after a backoff (200 ms doubling, or the provider's Retry-After up to 5 s), at most
// `retries` more times; any other answer is returned as it is. After the last attempt the failure is thrown as a
// ProviderError (retryable: the provider was unavailable).
export interface CallOptions {
  timeoutMs: number;
  retries: number;
  /** Waits between attempts (tests pass a shorter one). */
  sleep?: (ms: number) => Promise<void>;
  baseDelayMs?: number;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null,
    readonly code: string | null = null,
    readonly attempts = 1,
  ) {
    super(message);
  }
}

const retryAfterMs = (r: Response): number | null => {
  const v = r.headers.get("retry-after");
  if (!v) return null;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? Math.min(5_000, s * 1000) : null;
};

/** The response of the first attempt that is not a 5xx/429/timeout/network error, with the number of attempts. */
export async function callProvider(url: string, init: RequestInit, o: CallOptions): Promise<{ res: Response; attempts: number }> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const base = o.baseDelayMs ?? 200;
  let last: ProviderError | null = null;
  for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
    let wait = base * 2 ** (attempt - 1);
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs) });
      if (res.status < 500 && res.status !== 429) return { res, attempts: attempt };
      wait = retryAfterMs(res) ?? wait;
      last = new ProviderError(`provider answered ${res.status}`, true, res.status, null, attempt);
      await res.body?.cancel();
    } catch (err) {
      const timeout = (err as Error).name === "TimeoutError" || (err as Error).name === "AbortError";
      last = new ProviderError(timeout ? `no answer within ${o.timeoutMs} ms` : `unreachable: ${(err as Error).message}`, true, null, null, attempt);
    }
    if (attempt <= o.retries) await sleep(wait);
  }
  throw last!;
}
