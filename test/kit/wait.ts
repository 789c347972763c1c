// Polling: wait until a condition holds (a row written by a job, a status reached), bounded in time.

/** Poll fn every intervalMs until it returns a truthy value; throws after timeoutMs naming what it waited for. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = "condition", intervalMs = 10): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}
