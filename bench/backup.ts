// bench/backup: `kreditku backup` of a large depot (BENCH_BACKUP_BYTES, default 1 GiB) while `serve` takes
// writes, on the built binary. Reports the backup's duration and what it did to the API: p99/max of a /healthz
// poller and of writes (OTP requests: a row per request, one SQLite transaction each) before and during the backup,
// and the WAL size (kreditku_wal_bytes) at the end of the backup and after the pressure passed. The compass target:
// 1 GB backed up in < 15 s, writers blocked < 50 ms, no request blocked by a checkpoint.
//   npm run bench -- backup            BENCH_BACKUP_BYTES=67108864 npm run bench -- backup (a small run)
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli, startBinary, tempDepot } from "../test/kit/binary.ts";
import { freshIp } from "../test/kit/ip.ts";
import { percentile } from "./load.ts";

interface Stalls {
  requests: number;
  errors: number;
  p50ms: number;
  p99ms: number;
  maxms: number;
}

function summary(lat: number[], errors: number): Stalls {
  const s = [...lat].sort((a, b) => a - b);
  return { requests: s.length, errors, p50ms: percentile(s, 50), p99ms: percentile(s, 99), maxms: s.at(-1) ?? 0 };
}
const f = (s: Stalls) => `p50 ${s.p50ms.toFixed(1)} ms, p99 ${s.p99ms.toFixed(1)} ms, max ${s.maxms.toFixed(1)} ms (${s.requests} requests, ${s.errors} errors)`;

/** Fill the depot database to about `bytes` with rows that compress like real ones (~4:1). */
function fill(dbFile: string, bytes: number) {
  const db = new Database(dbFile);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
  db.exec("CREATE TABLE IF NOT EXISTS zz_bench_fill (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, body TEXT NOT NULL)");
  const ins = db.prepare("INSERT INTO zz_bench_fill (customer, body) VALUES (?, ?)");
  const words = ["pinjaman", "angsuran", "jatuh tempo", "rupiah", "virtual account", "bunga", "denda", "lunas", "cicilan", "nasabah"];
  let n = 0;
  while (statSync(dbFile).size + (() => { try { return statSync(dbFile + "-wal").size; } catch { return 0; } })() < bytes) {
    db.transaction(() => {
      for (let i = 0; i < 5000; i++, n++) {
        const rnd = randomBytes(96).toString("hex");
        const text = Array.from({ length: 40 }, (_, k) => words[(n + k * 7) % words.length]).join(" ");
        ins.run(`cus_${n.toString(36)}`, `${rnd} ${text} ${n}`);
      }
    })();
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  db.close();
  return n;
}

async function walBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^kreditku_wal_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

export async function run(opts: { bytes?: number } = {}) {
  const bytes = opts.bytes ?? Number(process.env.BENCH_BACKUP_BYTES ?? 1024 ** 3);
  const root = tempDepot("kreditku-bench-backup-");
  const depot = join(root, "depot");
  const target = join(root, "backups");
  try {
    if ((await runCli(["migrate", "--depot", depot])).code !== 0) throw new Error("migrate failed");
    const t0 = performance.now();
    const rows = fill(join(depot, "data/main.db"), bytes);
    const dbBytes = statSync(join(depot, "data/main.db")).size;
    console.log(`backup  depot filled: ${(dbBytes / 1048576).toFixed(0)} MiB, ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const srv = await startBinary({ depot, env: { KREDITKU_TRUST_PROXY: "true", KREDITKU_LOG_LEVEL: "info" } });
    try {
      let stop = false;
      let phase: "before" | "during" | "after" = "before";
      const health: Record<string, number[]> = { before: [], during: [], after: [] };
      const writes: Record<string, number[]> = { before: [], during: [], after: [] };
      const errors = { health: { before: 0, during: 0, after: 0 }, writes: { before: 0, during: 0, after: 0 } };
      let seq = 0;
      const poller = (async () => {
        while (!stop) {
          const p = phase;
          const t = performance.now();
          try {
            const r = await fetch(`${srv.url}/healthz`);
            await r.arrayBuffer();
            if (r.status !== 200) errors.health[p]++;
          } catch {
            errors.health[p]++;
          }
          health[p].push(performance.now() - t);
          await Bun.sleep(10);
        }
      })();
      const writer = async () => {
        while (!stop) {
          const p = phase;
          const n = seq++;
          const phone = `0813${String(10_000_000 + (n % 89_999_999)).slice(-8)}`;
          const t = performance.now();
          try {
            const r = await fetch(`${srv.url}/api/v1/auth/otp/request`, { method: "POST", headers: { "content-type": "application/json", "X-Forwarded-For": freshIp() }, body: JSON.stringify({ phone }) });
            await r.arrayBuffer();
            if (r.status !== 202) errors.writes[p]++;
          } catch {
            errors.writes[p]++;
          }
          writes[p].push(performance.now() - t);
          await Bun.sleep(5);
        }
      };
      const writers = Array.from({ length: 4 }, writer);
      await Bun.sleep(3000);
      phase = "during";
      const b0 = performance.now();
      const b = await runCli(["backup", "--depot", depot, "--to", target], { KREDITKU_LOG_LEVEL: "info" });
      const backupMs = performance.now() - b0;
      if (b.code !== 0) throw new Error(`backup failed (${b.code}): ${b.stderr}`);
      const walAtEnd = await walBytes(srv.url);
      phase = "after";
      await Bun.sleep(3000);
      stop = true;
      await Promise.all([poller, ...writers]);
      let walAfter = await walBytes(srv.url);
      for (let i = 0; i < 50 && walAfter > 16 * 1024 * 1024; i++) {
        await Bun.sleep(100);
        walAfter = await walBytes(srv.url);
      }
      const gz = readdirSync(target).find((n) => n.endsWith(".db.gz"))!;
      const result = {
        bench: "backup",
        dbBytes,
        backupSeconds: backupMs / 1000,
        gzBytes: statSync(join(target, gz)).size,
        healthz: { before: summary(health.before, errors.health.before), during: summary(health.during, errors.health.during), after: summary(health.after, errors.health.after) },
        writes: { before: summary(writes.before, errors.writes.before), during: summary(writes.during, errors.writes.during), after: summary(writes.after, errors.writes.after) },
        walBytesAtEnd: walAtEnd,
        walBytesAfter: walAfter,
      };
      console.log(`backup  ${(dbBytes / 1048576).toFixed(0)} MiB backed up in ${result.backupSeconds.toFixed(1)} s (${(result.gzBytes / 1048576).toFixed(0)} MiB .gz)`);
      for (const p of ["before", "during", "after"] as const) {
        console.log(`backup  /healthz ${p.padEnd(6)}: ${f(result.healthz[p])}`);
        console.log(`backup  writes   ${p.padEnd(6)}: ${f(result.writes[p])}`);
      }
      console.log(`backup  WAL: ${(walAtEnd / 1048576).toFixed(1)} MiB when the backup ended, ${(walAfter / 1048576).toFixed(1)} MiB after`);
      return result;
    } finally {
      await srv.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
