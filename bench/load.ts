// A small closed-loop HTTP load generator (keep-alive fetch, fixed concurrency, fixed duration) shared by the
// benchmarks, so the floor and the system under test are measured the same way in the same run.
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
}

export function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function load(
  makeRequest: (i: number) => Request | Promise<Request>,
  opts: { concurrency?: number; durationMs?: number; warmupMs?: number; expectStatus?: (s: number) => boolean } = {},
): Promise<LoadResult> {
  const concurrency = opts.concurrency ?? 32;
  const ok = opts.expectStatus ?? ((s: number) => s >= 200 && s < 300);
  let i = 0;
  const run = async (until: number, record: boolean, lat: number[], counters: { errors: number }) => {
    while (performance.now() < until) {
      const req = await makeRequest(i++);
      const t0 = performance.now();
      try {
        const res = await fetch(req);
        await res.arrayBuffer();
        if (!ok(res.status)) counters.errors++;
      } catch {
        counters.errors++;
      }
      if (record) lat.push(performance.now() - t0);
    }
  };
  const warm = { errors: 0 };
  const warmUntil = performance.now() + (opts.warmupMs ?? 500);
  await Promise.all(Array.from({ length: concurrency }, () => run(warmUntil, false, [], warm)));
  const lat: number[] = [];
  const counters = { errors: 0 };
  const start = performance.now();
  const until = start + (opts.durationMs ?? 4000);
  await Promise.all(Array.from({ length: concurrency }, () => run(until, true, lat, counters)));
  const seconds = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return {
    requests: lat.length,
    errors: counters.errors,
    seconds,
    rps: lat.length / seconds,
    p50ms: percentile(lat, 50),
    p99ms: percentile(lat, 99),
  };
}

export function fmt(r: LoadResult) {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms, ${r.errors} errors`;
}
