// Monitoring: the Grafana dashboard and the Prometheus alert rules parse, promtool accepts and unit-tests the
// rules, and every metric they name is exported at /metrics by the built binary (scraped here).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parse as parseYaml } from "yaml";
import { readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { S3_TEST_CREDENTIALS, startS3 } from "./kit/s3.ts";
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";

const MON = resolve(import.meta.dir, "../k8s/monitoring");
const ROOT = resolve(import.meta.dir, "..");
/** Series that Prometheus (up), kube-state-metrics (kube_*), the kubelet (kubelet_*), the Litestream sidecar
 * (litestream_*) or redis_exporter (redis_*) provide, not the binary. */
const EXTERNAL = { has: (n: string) => n === "up" || /^(kube|kubelet|litestream|redis)_/.test(n) };

const PROMQL_WORDS = new Set(
  "sum min max avg count rate irate increase delta deriv histogram_quantile topk bottomk clamp_min clamp_max abs time by without on ignoring group_left group_right and or unless bool offset label_values label_replace absent vector scalar le"
    .split(" "),
);

/** Metric names in a PromQL expression (label matchers, grouping labels, ranges, strings and functions removed). */
export function metricNames(expr: string): string[] {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\w+/g, " ");
  const out = new Set<string>();
  for (const m of e.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const w = m[1];
    if (PROMQL_WORDS.has(w) || /^\d/.test(w) || /^e\d+$/.test(w)) continue;
    out.add(w);
  }
  return [...out];
}

/** Family of a sample name: histogram _bucket/_sum/_count belong to their histogram. */
function family(name: string, types: Map<string, string>) {
  if (types.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && types.get(m[1]) === "histogram") return m[1];
  return null;
}

function sourceFiles(dir: string, out: string[] = []) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const rules = parseYaml(readFileSync(join(MON, "alerts.yml"), "utf8"));
const dashboard = JSON.parse(readFileSync(join(MON, "grafana-dashboard.json"), "utf8"));
const alertExprs: { name: string; expr: string }[] = rules.groups.flatMap((g: any) => g.rules.map((r: any) => ({ name: r.alert, expr: r.expr })));
const dashExprs: { name: string; expr: string }[] = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => ({ name: p.title, expr: t.expr })));

describe("monitoring", () => {
  let srv: Running;
  let types = new Map<string, string>();
  let backupAt = 0;
  beforeAll(async () => {
    const depot = tempDepot("kreditku-mon-e2e-");
    expect((await runCli(["migrate", "--depot", depot])).code).toBe(0);
    const b = await runCli(["backup", "--depot", depot]);
    expect(b.code).toBe(0);
    backupAt = Date.parse(JSON.parse(readFileSync(join(depot, "backups/last-backup.json"), "utf8")).createdAt);
    srv = await startBinary({ depot });
    await fetch(`${srv.url}/healthz`);
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1], m[2]);
  });
  afterAll(() => srv?.cleanup());

  test("alert rules: well-formed, with severity, summary and description; promtool checks and unit-tests them", async () => {
    expect(alertExprs.length).toBeGreaterThanOrEqual(10);
    for (const g of rules.groups) {
      for (const r of g.rules) {
        expect([r.alert, typeof r.expr, ["critical", "warning"].includes(r.labels?.severity), !!r.annotations?.summary, !!r.annotations?.description]).toEqual([r.alert, "string", true, true, true]);
      }
    }
    const names = alertExprs.map((a) => a.name);
    for (const needed of [
      "KreditkuHighErrorRate", "KreditkuHighLatencyP99", "KreditkuOutboxLag", "KreditkuDeadJobs", "KreditkuWebhookVerificationFailures", "KreditkuTWP90Above5Percent", "KreditkuBackupTooOld",
      "KreditkuApiDown", "KreditkuBackupJobFailed", "KreditkuApplicationsStuck", "KreditkuLoansStuckDisbursing", "KreditkuWalLarge", "KreditkuVolumeFilling", "KreditkuLitestreamLag", "KreditkuRedisDown", "KreditkuNoWorkers",
    ]) expect(names).toContain(needed);
    const promtool = Bun.which("promtool") ?? "/usr/bin/promtool";
    for (const args of [["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]]) {
      const p = Bun.spawn([promtool, ...args], { cwd: MON, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      expect([args.join(" "), code, out + err]).toEqual([args.join(" "), 0, expect.stringContaining("SUCCESS")]);
    }
  });

  test("the alerts added for absence, backups, storage, replication, Redis and workers each have a firing and a quiet promtool case", () => {
    const cases = parseYaml(readFileSync(join(MON, "alerts.test.yml"), "utf8")).tests.flatMap((t: any) => t.alert_rule_test ?? []);
    const fires = new Set(cases.filter((c: any) => c.exp_alerts?.length > 0).map((c: any) => c.alertname));
    const quiet = new Set(cases.filter((c: any) => !c.exp_alerts?.length).map((c: any) => c.alertname));
    const checked = ["KreditkuApiDown", "KreditkuBackupTooOld", "KreditkuBackupJobFailed", "KreditkuApplicationsStuck", "KreditkuLoansStuckDisbursing", "KreditkuWalLarge", "KreditkuVolumeFilling", "KreditkuLitestreamLag", "KreditkuRedisDown", "KreditkuNoWorkers"];
    expect(checked.map((a) => [a, fires.has(a), quiet.has(a)])).toEqual(checked.map((a) => [a, true, true]));
  });

  test("the job names the alerts match are the ones the shipped scrape configs and PodMonitors produce", () => {
    const jobsInAlerts = new Set(alertExprs.flatMap((a) => [...a.expr.matchAll(/\bjob="([^"]+)"/g)].map((m) => m[1])));
    expect([...jobsInAlerts].sort()).toEqual(["kreditku-api", "kreditku-litestream", "kreditku-redis", "kreditku-worker"]);
    const scrape = parseYaml(readFileSync(join(MON, "prometheus-scrape.yml"), "utf8"));
    expect(scrape.scrape_configs.map((j: any) => j.job_name).sort()).toEqual([...jobsInAlerts].sort());
    // PodMonitors: jobLabel = app.kubernetes.io/name gives the pod's name label; Litestream's endpoint is relabelled
    const monitors = readFileSync(join(MON, "podmonitors.yaml"), "utf8").split(/^---$/m).map((d) => parseYaml(d));
    const fromMonitors = monitors.flatMap((m: any) => {
      expect(m.spec.jobLabel).toBe("app.kubernetes.io/name");
      const name = m.spec.selector.matchLabels["app.kubernetes.io/name"];
      return m.spec.podMetricsEndpoints.map((e: any) => e.relabelings?.find((r: any) => r.targetLabel === "job")?.replacement ?? name);
    });
    expect(fromMonitors.sort()).toEqual([...jobsInAlerts].sort());
    // the alerts no longer match a job name pattern that an annotation-driven scrape ("kubernetes-pods") never has
    expect(alertExprs.some((a) => /job=~/.test(a.expr))).toBe(false);
  });

  test("dashboard: valid Grafana JSON with unique panel ids and a query per panel", () => {
    expect(dashboard.uid).toBe("kreditku-overview");
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels.filter((p: any) => p.type !== "row")) {
      expect([p.title, p.targets.length > 0, p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24]).toEqual([p.title, true, true]);
    }
    expect(dashExprs.length).toBeGreaterThan(20);
  });

  test("every metric the alerts name is exported by the binary", () => {
    const missing: string[] = [];
    for (const a of alertExprs) {
      for (const n of metricNames(a.expr)) {
        if (EXTERNAL.has(n)) continue;
        if (!family(n, types)) missing.push(`${a.name}: ${n}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test("every metric the dashboard names is exported by a fresh server", () => {
    const missing: string[] = [];
    for (const d of dashExprs) {
      for (const n of metricNames(d.expr)) {
        if (EXTERNAL.has(n) || family(n, types)) continue;
        missing.push(`${d.name}: ${n}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test("the extractor sees through PromQL syntax", () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!~"/a|/b"}[5m]))) > 1').sort()).toEqual(["http_request_duration_seconds_bucket"]);
    expect(metricNames("time() - max(kreditku_last_backup_timestamp_seconds) > 26 * 3600")).toEqual(["kreditku_last_backup_timestamp_seconds"]);
  });

  test("kreditku_last_backup_timestamp_seconds is the newest backup's time", async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const v = Number(/^kreditku_last_backup_timestamp_seconds (\S+)$/m.exec(text)![1]);
    expect(v).toBe(backupAt / 1000);
  });

  test("with KREDITKU_METRICS_PORT, /metrics is served only on the metrics port; the public port answers 404", async () => {
    const sep = await startBinary({ env: { KREDITKU_METRICS_PORT: "0" } });
    try {
      const listening = JSON.parse(sep.logs.find((l) => l.includes('"msg":"listening"'))!);
      expect(listening.metricsPort).toBeGreaterThan(0);
      expect(listening.metricsPort).not.toBe(sep.port);
      const pub = await fetch(`${sep.url}/metrics`);
      expect(pub.status).toBe(404);
      expect(pub.headers.get("content-type")).toContain("application/problem+json");
      expect(await pub.text()).not.toContain("kreditku_");
      expect((await fetch(`${sep.url}/healthz`)).status).toBe(200);
      const m = await fetch(`http://127.0.0.1:${listening.metricsPort}/metrics`);
      expect(m.status).toBe(200);
      expect(await m.text()).toContain("# TYPE kreditku_last_backup_timestamp_seconds gauge");
      expect((await fetch(`http://127.0.0.1:${listening.metricsPort}/api/v1/loans`)).status).toBe(404);
    } finally {
      sep.cleanup();
    }
  });

  test("the shipped Litestream config replicates to S3 and exports the litestream_* series the alerts name", async () => {
    const names = new Set(alertExprs.flatMap((a) => metricNames(a.expr)).filter((n) => n.startsWith("litestream_")));
    expect(names.size).toBeGreaterThan(0);
    const s3 = await startS3(["kreditku-wal"]);
    const depot = tempDepot("kreditku-litestream-");
    const port = 20000 + Math.floor(Math.random() * 20000);
    const cfg = join(depot, "litestream.yml");
    try {
      expect((await runCli(["migrate", "--depot", depot])).code).toBe(0);
      const shipped = readFileSync(join(ROOT, "k8s/components/litestream/litestream.yml"), "utf8");
      expect(shipped).toContain('addr: ":9091"');
      writeFileSync(cfg, shipped.replace('addr: ":9091"', `addr: "127.0.0.1:${port}"`));
      const env = {
        ...process.env, KREDITKU_DEPOT: depot, LITESTREAM_REPLICA_BUCKET: "kreditku-wal", LITESTREAM_REPLICA_PATH: "main", S3_ENDPOINT: s3.endpoint, S3_REGION: "us-east-1",
        S3_FORCE_PATH_STYLE: "true", S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      };
      const bin = join(ROOT, "node_modules/@flydotio/litestream-linux-x64/litestream");
      const ls = Bun.spawn([bin, "replicate", "-config", cfg], { env, stdout: "ignore", stderr: "pipe" });
      try {
        const db = new Database(join(depot, "data/main.db"));
        db.exec("PRAGMA busy_timeout = 10000"); // Litestream takes the write lock briefly while it checkpoints
        db.exec("CREATE TABLE IF NOT EXISTS litestream_probe (x INTEGER)");
        let text = "";
        for (let i = 0; i < 60; i++) {
          db.exec(`INSERT INTO litestream_probe VALUES (${i})`);
          await Bun.sleep(250);
          text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
          if (/^litestream_replica_operation_total\{operation="PUT"[^}]*\} [1-9]/m.test(text)) break;
        }
        db.close();
        const exported = new Set([...text.matchAll(/^(litestream_\w+)[{ ]/gm)].map((m) => m[1]));
        expect([...names].filter((n) => !exported.has(n))).toEqual([]);
        expect(text).toMatch(/^litestream_replica_operation_total\{operation="PUT"[^}]*\} [1-9]/m);
        expect(text).toMatch(/^litestream_sync_error_count\{[^}]*\} 0$/m);
      } finally {
        ls.kill();
        await ls.exited;
      }
    } finally {
      await s3.close();
      rmSync(depot, { recursive: true, force: true });
    }
  });
});
