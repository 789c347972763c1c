// bench/api: the authenticated hot paths on the built binary, measured with Debian's `wrk` (out of process, 1 thread,
// 16 connections) against the floor (bench/floor-server.ts: bare Bun.serve + bun:sqlite WAL/synchronous=NORMAL)
// doing the same work in the same run: the borrower's loan read (50 instalments, the same bytes from SQLite), auth/me,
// and the admin's blocklist insert (one INSERT per request). Also restart-to-/healthz and idle RSS.
// `bun run bench/api.ts --serve` only sets the server up and prints its URL, depot, loan id and tokens (for profiling,
// bench/PROFILE.md); it runs until killed and leaves the depot for the profiled `bun run src/main.ts serve`.
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, runCli, startBinaryToFile, type ServingToFile } from "../test/kit/binary.ts";
import { seedLoan } from "../test/kit/accepted-loan.ts";
import { Journey } from "../test/kit/journey.ts";
import { startFloor } from "./http-floor.ts";
import { SigningKeys } from "../src/auth/signing-keys.ts";
import { signAccessToken } from "../src/auth/tokens.ts";

/** Borrowers for the auth/me row: auth routes share a 60/min per-user budget, so the load is spread over this many. */
const ME_USERS = 3000;

/** ME_USERS borrowers with a live session each (written to the depot) and an access token each, signed by its key. */
async function manyBorrowers(depot: string): Promise<string[]> {
  const db = new Database(join(depot, "data/main.db"));
  db.exec("PRAGMA busy_timeout = 10000");
  const now = new Date();
  const iso = now.toISOString();
  const exp = new Date(now.getTime() + 7 * 86400_000).toISOString();
  const users = Array.from({ length: ME_USERS }, (_, i) => ({ id: crypto.randomUUID(), sessionId: crypto.randomUUID(), phone: `+62819${String(i).padStart(8, "0")}` }));
  db.transaction(() => {
    for (const u of users) {
      db.run("INSERT INTO users (id, role, phone, status, created_at, updated_at) VALUES (?, 'borrower', ?, 'active', ?, ?)", [u.id, u.phone, iso, iso]);
      db.run("INSERT INTO auth_sessions (id, user_id, method, ip, user_agent, created_at, last_used_at, expires_at) VALUES (?, ?, 'otp', NULL, NULL, ?, ?, ?)", [u.sessionId, u.id, iso, iso, exp]);
    }
  })();
  db.close();
  const keys = new SigningKeys(depot, 900).load();
  const settings = { issuer: "kreditku", audience: "kreditku-api", accessTtlSeconds: 900 };
  return Promise.all(users.map((u) => signAccessToken(keys, settings, { id: u.id, role: "borrower", sessionId: u.sessionId }, now)));
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
  /** CPU time (user + system, every thread) the server process spent per request during the run, when its pid was given. */
  cpuUsPerRequest?: number;
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[11] and [12] are utime and stime (fields 14 and 15 of proc(5)), in clock ticks of 1/100 s
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let scratch: string | undefined;
const scratchDir = () => (scratch ??= mkdtempSync(join(tmpdir(), "kreditku-bench-api-")));

/** wrk -t1 -c16 with a Lua script that sets method/body/headers and reports non-2xx and latency percentiles. */
export async function wrk(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; blocklist?: boolean; tokens?: string[]; durationS?: number; pid?: number } = {}): Promise<WrkResult> {
  const hdrs = Object.entries(opts.headers ?? {}).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join("\n");
  const lua = `
wrk.method = ${JSON.stringify(opts.method ?? "GET")}
${hdrs}
${opts.body ? `wrk.body = ${JSON.stringify(opts.body)}` : ""}
local n = 0
${
  opts.blocklist
    ? `request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format('{"kind":"phone","value":"+62813%08d","reason":"bench"}', n + math.random(0, 9) * 10000000))
end`
    : opts.tokens
      ? `local tokens = { ${opts.tokens.map((t) => JSON.stringify(t)).join(", ")} }
request = function()
  n = n + 1
  wrk.headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]
  return wrk.format()
end`
      : ""
}
local bad = 0
response = function(status, headers, body) if status >= 300 then bad = bad + 1 end end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"p50":%f,"p99":%f,"errors":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;
  const script = join(scratchDir(), `s${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(script, lua);
  const cpu0 = opts.pid ? cpuSeconds(opts.pid) : 0;
  const p = Bun.spawn(["wrk", "-t1", "-c16", `-d${opts.durationS ?? Number(process.env.BENCH_WRK_SECONDS ?? 5)}s`, "-s", script, url], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`wrk printed no result: ${out}`);
  const r = JSON.parse(line.slice(7));
  const cpuUsPerRequest = opts.pid ? ((cpuSeconds(opts.pid) - cpu0) * 1e6) / Math.max(1, r.requests) : undefined;
  return { rps: r.requests / r.seconds, p50ms: r.p50, p99ms: r.p99, requests: r.requests, errors: r.errors, cpuUsPerRequest };
}

export const fmtW = (r: WrkResult) =>
  `${r.rps.toFixed(0)} req/s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms, ${r.errors} non-2xx/errors${r.cpuUsPerRequest === undefined ? "" : `, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request`}`;

export async function setup(env: Record<string, string> = {}) {
  // its log lines go to a file: every line is still written, but no reader here takes CPU from the shared cores
  const srv = await startBinaryToFile({ env: { KREDITKU_LOG_LEVEL: "info", KREDITKU_TRUST_PROXY: "true", ...env } });
  const db = new Database(join(srv.depot, "data/main.db"));
  db.exec("PRAGMA busy_timeout = 10000");
  const phones: string[] = [];
  let loanId = "";
  db.transaction(() => {
    const s = seedLoan(db);
    loanId = s.loanId;
    phones.push((db.query("SELECT phone FROM users WHERE id = ?").get(s.userId) as { phone: string }).phone);
  })();
  db.close();
  const j = new Journey(srv.url, srv.depot, "901");
  const borrower = await j.signIn(phones[0]);
  const email = "bench-admin@example.com";
  const c = await runCli(["admin", "create", "--email", email, "--password", "correct horse battery staple", "--depot", srv.depot]);
  if (c.code !== 0) throw new Error(`admin create: ${c.stderr}`);
  const login = await j.call("POST", "/api/v1/auth/login", { email, password: "correct horse battery staple" });
  if (login.status !== 200) throw new Error(`login ${login.status}: ${JSON.stringify(login.body)}`);
  return { srv, loanId, borrowerToken: borrower.token, adminToken: login.body.accessToken as string, meTokens: await manyBorrowers(srv.depot) };
}

async function restartToHealthz(srv: ServingToFile): Promise<{ ms: number; rssMb: number }> {
  await srv.stop();
  const t0 = performance.now();
  const proc = Bun.spawn([BINARY, "serve", "--port", String(srv.port), "--host", "127.0.0.1", "--depot", srv.depot], {
    stdout: "ignore",
    stderr: "ignore",
    env: { ...process.env, KREDITKU_LOG_LEVEL: "warn" },
  });
  let ms = NaN;
  for (;;) {
    try {
      const r = await fetch(`${srv.url}/healthz`);
      if (r.status === 200) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > 20_000) break;
    await Bun.sleep(2);
  }
  await Bun.sleep(1500);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1] ?? NaN);
  proc.kill("SIGTERM");
  await proc.exited;
  return { ms, rssMb: rssKb / 1024 };
}

async function floorRestart(): Promise<{ ms: number; rssMb: number }> {
  const t0 = performance.now();
  const f = await startFloor();
  let ms = NaN;
  for (;;) {
    const r = await fetch(`${f.url}/healthz`).catch(() => null);
    if (r?.status === 200) {
      ms = performance.now() - t0;
      break;
    }
    await Bun.sleep(2);
  }
  await Bun.sleep(1500);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${f.pid}/status`, "utf8"))?.[1] ?? NaN);
  f.stop();
  return { ms, rssMb: rssKb / 1024 };
}

export async function run() {
  const { srv, loanId, borrowerToken, adminToken, meTokens } = await setup();
  const floor = await startFloor({ depot: srv.depot, loanId });
  try {
    const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
    const rows: Record<string, { floor: WrkResult; kreditku: WrkResult }> = {};
    // Throughput on a shared machine moves with the other load; CPU time per request moves much less, so both are
    // printed: "% of floor" by throughput and by CPU per request (floor's CPU/request ÷ kreditku's).
    const pair = async (name: string, floorUrl: string, url: string, o: Parameters<typeof wrk>[1]) => {
      const f = await wrk(floorUrl, { ...o, pid: floor.pid });
      const k = await wrk(url, { ...o, pid: srv.proc.pid });
      rows[name] = { floor: f, kreditku: k };
      const byCpu = f.cpuUsPerRequest && k.cpuUsPerRequest ? `, ${((f.cpuUsPerRequest / k.cpuUsPerRequest) * 100).toFixed(0)} % by CPU/request` : "";
      console.log(`${name.padEnd(22)} floor ${fmtW(f)}\n${"".padEnd(22)} kreditku ${fmtW(k)}  (${((k.rps / f.rps) * 100).toFixed(0)} % of floor${byCpu})`);
    };
    if (process.env.BENCH_ROWS) {
      // BENCH_ROWS=me,loan,blocklist: only these rows (profiling one path)
      const only = new Set(process.env.BENCH_ROWS.split(","));
      if (only.has("loan")) await pair("loan read", `${floor.url}/loan`, `${srv.url}/api/v1/loans/${loanId}`, { headers: auth(borrowerToken) });
      if (only.has("me")) await pair("auth/me", `${floor.url}/me`, `${srv.url}/api/v1/auth/me`, { tokens: meTokens });
      return { bench: "api", load: "wrk -t1 -c16", rows };
    }
    await pair("loan read", `${floor.url}/loan`, `${srv.url}/api/v1/loans/${loanId}`, { headers: auth(borrowerToken) });
    await pair("auth/me", `${floor.url}/me`, `${srv.url}/api/v1/auth/me`, { tokens: meTokens });
    await pair("blocklist insert", `${floor.url}/blocklist`, `${srv.url}/api/v1/admin/blocklist`, {
      method: "POST",
      headers: { ...auth(adminToken), "Content-Type": "application/json" },
      blocklist: true,
    });
    floor.stop();
    const restart = await restartToHealthz(srv);
    const floorStart = await floorRestart();
    console.log(`restart → /healthz     floor ${floorStart.ms.toFixed(0)} ms, kreditku ${restart.ms.toFixed(0)} ms`);
    console.log(`idle RSS               floor ${floorStart.rssMb.toFixed(0)} MB, kreditku ${restart.rssMb.toFixed(0)} MB`);
    return { bench: "api", load: "wrk -t1 -c16", rows, restartToHealthz: { floorMs: floorStart.ms, kreditkuMs: restart.ms }, idleRss: { floorMb: floorStart.rssMb, kreditkuMb: restart.rssMb } };
  } finally {
    floor.stop();
    await srv.stop();
    srv.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  }
}

if (import.meta.main) {
  if (process.argv.includes("--serve")) {
    const s = await setup();
    console.log(JSON.stringify({ url: s.srv.url, loanId: s.loanId, borrowerToken: s.borrowerToken, adminToken: s.adminToken, depot: s.srv.depot, meTokens: s.meTokens }));
    await new Promise(() => {});
  } else await run();
}
