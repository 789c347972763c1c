// The Kubernetes manifests: both overlays render with `kubectl kustomize`, every object validates against the
// Kubernetes schemas (kubernetes-models), and the properties the design depends on hold.
import { describe, expect, test } from "bun:test";
import { parse, parseAllDocuments } from "yaml";
import { resolve } from "node:path";
import { readFileSync } from "node:fs";
import { startBinary } from "./kit/binary.ts";

const K8S = resolve(import.meta.dir, "../k8s");
const KUBECTL = Bun.which("kubectl") ?? "/usr/bin/kubectl";

async function render(overlay: string): Promise<any[]> {
  const proc = Bun.spawn([KUBECTL, "kustomize", `${K8S}/overlays/${overlay}`], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${err}`);
  return parseAllDocuments(out).map((d) => d.toJS()).filter(Boolean);
}

/** The kubernetes-models class of an object (apps/v1 → kubernetes-models/apps/v1, v1 → kubernetes-models/v1). */
async function modelOf(obj: any) {
  const mod = await import(`kubernetes-models/${obj.apiVersion}`);
  const Cls = mod[obj.kind];
  if (!Cls) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  return Cls;
}

function podSpecOf(o: any): any | null {
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.spec;
  if (["Deployment", "StatefulSet", "Job", "DaemonSet"].includes(o.kind)) return o.spec.template.spec;
  return null;
}
function podLabelsOf(o: any): Record<string, string> {
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.metadata?.labels ?? {};
  return o.spec?.template?.metadata?.labels ?? {};
}
const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

test("the schema validation is real: a broken object is refused", async () => {
  const Cls = await modelOf({ apiVersion: "apps/v1", kind: "StatefulSet" });
  const bad = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "x" }, spec: { replicas: "one", selector: {}, template: {} } };
  expect(() => new Cls(bad).validate()).toThrow();
});

for (const overlay of ["dev", "prod"]) {
  describe(`overlay ${overlay}`, () => {
    let objs: any[] = [];
    const byKind = (kind: string) => objs.filter((o) => o.kind === kind);
    const one = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

    test("renders and every object validates against the Kubernetes schemas", async () => {
      objs = await render(overlay);
      expect(objs.length).toBeGreaterThan(15);
      for (const o of objs) {
        const Cls = await modelOf(o);
        try {
          new Cls(o).validate();
        } catch (e) {
          throw new Error(`${o.kind}/${o.metadata?.name}: ${(e as Error).message}`);
        }
        expect(o.metadata.namespace ?? (o.kind === "Namespace" ? o.metadata.name : undefined)).toBe(overlay === "prod" ? "kreditku" : "kreditku-dev");
      }
    });

    test("API: one-replica StatefulSet with a depot PVC and /healthz + /readyz probes", () => {
      const api = one("StatefulSet", "kreditku-api");
      expect(api.spec.replicas).toBe(1);
      expect(api.spec.volumeClaimTemplates[0].metadata.name).toBe("depot");
      const c = api.spec.template.spec.containers[0];
      expect(c.args).toEqual(expect.arrayContaining(["serve", "--depot", "/depot"]));
      expect(c.volumeMounts).toContainEqual({ name: "depot", mountPath: "/depot" });
      expect(c.livenessProbe.httpGet.path).toBe("/healthz");
      expect(c.readinessProbe.httpGet.path).toBe("/readyz");
      expect(c.startupProbe.httpGet.path).toBe("/healthz");
      expect(c.image).toMatch(overlay === "prod" ? /^ghcr\.io\/kreditku\/kreditku@sha256:[0-9a-f]{64}$/ : /^ghcr\.io\/kreditku\/kreditku:/);
    });

    test("/metrics on its own port: the API sets KREDITKU_METRICS_PORT, exposes it, and the scrape annotation points at it", () => {
      const api = one("StatefulSet", "kreditku-api");
      const c = api.spec.template.spec.containers[0];
      const port = c.env.find((e: any) => e.name === "KREDITKU_METRICS_PORT").value;
      expect(c.ports).toContainEqual({ name: "metrics", containerPort: Number(port), protocol: "TCP" });
      expect(Number(port)).not.toBe(c.ports.find((p: any) => p.name === "http").containerPort);
      expect(api.spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": port, "prometheus.io/path": "/metrics" });
      // the public Service does not expose the metrics port
      expect(one("Service", "kreditku-api").spec.ports.map((p: any) => p.targetPort)).toEqual(["http"]);
    });

    test("workers are scraped: annotations on the probe port and a NetworkPolicy letting the monitoring namespace in", () => {
      const w = one("Deployment", "kreditku-worker");
      const port = w.spec.template.spec.containers[0].ports.find((p: any) => p.name === "probes").containerPort;
      expect(w.spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" });
      const allowed = (name: string, p: number) =>
        byKind("NetworkPolicy").some(
          (n) =>
            matches(n.spec.podSelector.matchLabels ?? {}, podLabelsOf(one(name === "kreditku-worker" ? "Deployment" : "StatefulSet", name))) &&
            Object.keys(n.spec.podSelector.matchLabels ?? {}).length > 0 &&
            (n.spec.ingress ?? []).some((r: any) => r.from?.some((f: any) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring") && r.ports.some((q: any) => q.port === p)),
        );
      expect(allowed("kreditku-worker", port)).toBe(true);
      const api = one("StatefulSet", "kreditku-api").spec.template.spec.containers[0];
      expect(allowed("kreditku-api", api.ports.find((p: any) => p.name === "metrics").containerPort)).toBe(true);
      expect(allowed("kreditku-redis", 9121)).toBe(true);
      // the public port stays open to all, the metrics port only to monitoring
      const apiPolicy = one("NetworkPolicy", "kreditku-api-ingress");
      expect(apiPolicy.spec.ingress.filter((r: any) => !r.from).flatMap((r: any) => r.ports.map((q: any) => q.port))).toEqual([4000]);
    });

    test("worker HPA scales on the queue depth through prometheus-adapter's external metric, not CPU", () => {
      const hpa = one("HorizontalPodAutoscaler", "kreditku-worker");
      expect(hpa.spec.metrics.map((m: any) => m.type)).toEqual(["External"]);
      const name = hpa.spec.metrics[0].external.metric.name;
      expect(hpa.spec.metrics[0].external.target.type).toBe("AverageValue");
      const adapter = parse(readFileSync(resolve(K8S, "monitoring/prometheus-adapter-rules.yaml"), "utf8"));
      const rule = adapter.rules.external.find((r: any) => r.name.as === name);
      expect(rule.seriesQuery).toStartWith("queue_depth{");
      expect(rule.metricsQuery).toContain("<<.Series>>");
      expect(rule.resources.overrides.namespace.resource).toBe("namespace");
    });

    test("Redis requires a password from the Secret kreditku-redis; the API and workers connect with it", () => {
      const redis = one("StatefulSet", "kreditku-redis").spec.template.spec;
      const r = redis.containers.find((c: any) => c.name === "redis");
      // dev generates the Secret (kustomize appends a hash to its name and to the references); prod takes it from the
      // secret manager under its plain name
      const fromSecret = (c: any, name: string) => {
        const ref = c.env?.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef;
        if (!ref) return ref;
        if (overlay === "dev") expect(one("Secret", ref.name)?.data?.[ref.key]).toBeTruthy();
        return { ...ref, name: ref.name.replace(/-[a-z0-9]{10}$/, "") };
      };
      expect(fromSecret(r, "REDIS_PASSWORD")).toEqual({ name: "kreditku-redis", key: "REDIS_PASSWORD" });
      const args = r.args.join(" ");
      expect(args).toContain("--requirepass $(REDIS_PASSWORD)");
      for (const probe of [r.livenessProbe, r.readinessProbe]) expect(probe.exec.command.join(" ")).toContain("REDISCLI_AUTH=");
      for (const c of [one("StatefulSet", "kreditku-api").spec.template.spec.containers[0], one("Deployment", "kreditku-worker").spec.template.spec.containers[0]]) {
        expect(fromSecret(c, "REDIS_PASSWORD")).toEqual({ name: "kreditku-redis", key: "REDIS_PASSWORD" });
        const names = c.env.map((e: any) => e.name);
        expect(names.indexOf("REDIS_PASSWORD")).toBeLessThan(names.indexOf("REDIS_URL")); // $(REDIS_PASSWORD) expands only if defined first
        expect(c.env.find((e: any) => e.name === "REDIS_URL").value).toBe("redis://:$(REDIS_PASSWORD)@kreditku-redis:6379");
      }
      const cfg = byKind("ConfigMap").find((c) => c.metadata.name.startsWith("kreditku-config")).data;
      expect(cfg.REDIS_URL).toBeUndefined();
      expect(fromSecret(redis.containers.find((c: any) => c.name === "redis-exporter"), "REDIS_PASSWORD")).toEqual({ name: "kreditku-redis", key: "REDIS_PASSWORD" });
      // dev generates it; prod takes it from the secret manager
      expect(byKind("Secret").some((x) => x.metadata.name.startsWith("kreditku-redis"))).toBe(overlay === "dev");
    });

    test(overlay === "prod" ? "prod: every image is pinned by digest" : "dev: images by tag", () => {
      const images = objs.flatMap((o) => {
        const spec = podSpecOf(o);
        return spec ? [...spec.containers, ...(spec.initContainers ?? [])].map((c: any) => c.image) : [];
      });
      expect(images.length).toBeGreaterThan(5);
      if (overlay !== "prod") return;
      expect(images.filter((i) => !/@sha256:[0-9a-f]{64}$/.test(i))).toEqual([]);
    });

    test("worker Deployment scaled by an HPA; Redis noeviction with persistence", () => {
      const w = one("Deployment", "kreditku-worker");
      expect(w.spec.template.spec.containers[0].args[0]).toBe("worker");
      const hpa = byKind("HorizontalPodAutoscaler")[0];
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "kreditku-worker" });
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      const redis = one("StatefulSet", "kreditku-redis");
      const args = redis.spec.template.spec.containers[0].args.join(" ");
      expect(args).toContain("--maxmemory-policy noeviction");
      expect(args).toContain("--appendonly yes");
      expect(redis.spec.volumeClaimTemplates.length).toBe(1);
    });

    test("every container: non-root, read-only root fs, no privilege escalation, resources", () => {
      for (const o of objs) {
        const spec = podSpecOf(o);
        if (!spec) continue;
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const where = `${o.kind}/${o.metadata.name}/${c.name}`;
          expect([where, c.securityContext?.readOnlyRootFilesystem]).toEqual([where, true]);
          expect([where, c.securityContext?.allowPrivilegeEscalation]).toEqual([where, false]);
          expect([where, c.securityContext?.capabilities?.drop]).toEqual([where, ["ALL"]]);
          expect([where, spec.securityContext?.runAsNonRoot ?? c.securityContext?.runAsNonRoot]).toEqual([where, true]);
          expect([where, !!c.resources?.requests?.cpu && !!c.resources?.requests?.memory && !!c.resources?.limits?.memory]).toEqual([where, true]);
        }
      }
    });

    test("backup CronJob runs the backup script on the depot claim of the API pod", () => {
      const cj = one("CronJob", "kreditku-backup");
      expect(cj.spec.concurrencyPolicy).toBe("Forbid");
      const spec = cj.spec.jobTemplate.spec.template.spec;
      expect(spec.containers[0].command[0]).toBe("/usr/local/share/kreditku/scripts/backup.sh");
      const api = one("StatefulSet", "kreditku-api");
      expect(spec.volumes.find((v: any) => v.name === "depot").persistentVolumeClaim.claimName).toBe(`${api.spec.volumeClaimTemplates[0].metadata.name}-${api.metadata.name}-0`);
      expect(spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels).toEqual(api.spec.selector.matchLabels);
      // the script the image must carry exists in the repo, and the Dockerfile copies it there
      const dockerfile = readFileSync(resolve(K8S, "../Dockerfile"), "utf8");
      expect(dockerfile).toContain("scripts/backup.sh");
      expect(dockerfile).toContain("/usr/local/share/kreditku/scripts/");
      const verify = one("CronJob", "kreditku-verify-backup").spec.jobTemplate.spec.template.spec;
      expect(verify.containers[0].command[0]).toBe("/usr/local/share/kreditku/scripts/verify-latest-backup.sh");
      // the verify job proves backups in a scratch depot: it never mounts the live depot claim
      expect(verify.volumes.some((v: any) => v.persistentVolumeClaim)).toBe(false);
      expect(verify.containers[0].volumeMounts.map((m: any) => m.mountPath)).not.toContain("/depot");
      expect(verify.affinity).toBeUndefined();
      // no recursive chown of the volume on every run
      for (const name of ["kreditku-backup", "kreditku-verify-backup"]) {
        expect(one("CronJob", name).spec.jobTemplate.spec.template.spec.securityContext).toMatchObject({ fsGroup: 10001, fsGroupChangePolicy: "OnRootMismatch" });
      }
    });

    test("config and secrets referenced exist; S3 is MinIO in dev and external in prod", () => {
      const cms = new Set(byKind("ConfigMap").map((c) => c.metadata.name));
      const secrets = new Set(byKind("Secret").map((c) => c.metadata.name));
      for (const o of objs) {
        const spec = podSpecOf(o);
        if (!spec) continue;
        for (const c of spec.containers) {
          for (const e of c.envFrom ?? []) {
            if (e.configMapRef) expect(cms.has(e.configMapRef.name)).toBe(true);
            // prod's kreditku-secrets comes from the secret manager (documented), dev generates it
            if (e.secretRef && overlay === "dev") expect(secrets.has(e.secretRef.name)).toBe(true);
          }
        }
      }
      const cfg = byKind("ConfigMap").find((c) => c.metadata.name.startsWith("kreditku-config")).data;
      expect(cfg.S3_BUCKET).toBeTruthy();
      expect(cfg.KREDITKU_BACKUP_TO).toStartWith("s3://");
      if (overlay === "dev") {
        expect(cfg.S3_ENDPOINT).toBe("http://kreditku-minio:9000");
        expect(one("Deployment", "kreditku-minio")).toBeDefined();
      } else {
        expect(cfg.S3_ENDPOINT).toBeUndefined();
        expect(cfg.S3_SSE).toBe("aws:kms");
        expect(secrets.has("kreditku-secrets")).toBe(false);
      }
    });

    test(overlay === "prod" ? "prod: Litestream sidecar replicates the depot and an init container restores an empty volume" : "dev: no Litestream sidecar", () => {
      const spec = one("StatefulSet", "kreditku-api").spec.template.spec;
      const side = (spec.initContainers ?? []).find((c: any) => c.name === "litestream");
      if (overlay !== "prod") return expect([side, spec.containers.find((c: any) => c.name === "litestream")]).toEqual([undefined, undefined]);
      // a native sidecar: an init container with restartPolicy Always, after the restore, stopped after the API
      expect(spec.containers.find((c: any) => c.name === "litestream")).toBeUndefined();
      expect(side.restartPolicy).toBe("Always");
      expect(spec.initContainers.map((c: any) => c.name)).toEqual(["litestream-restore", "litestream"]);
      expect(side.args).toEqual(["replicate", "-config", "/etc/litestream/litestream.yml"]);
      expect(side.volumeMounts).toContainEqual({ name: "depot", mountPath: "/depot" });
      expect(side.ports).toContainEqual({ name: "litestream", containerPort: 9091 });
      expect(spec.initContainers[0].args).toEqual(expect.arrayContaining(["restore", "-if-db-not-exists", "-if-replica-exists", "/depot/data/main.db"]));
      // the API leaves checkpoints to Litestream, and keeps its own env (metrics port, Redis password)
      const env = spec.containers[0].env.map((e: any) => e.name);
      expect(env).toEqual(expect.arrayContaining(["KREDITKU_CHECKPOINTS", "KREDITKU_METRICS_PORT", "REDIS_PASSWORD", "REDIS_URL"]));
      expect(spec.containers[0].env.find((e: any) => e.name === "KREDITKU_CHECKPOINTS").value).toBe("external");
      const cmName = spec.volumes.find((v: any) => v.name === "litestream-config").configMap.name;
      const cm = one("ConfigMap", cmName);
      expect(cm.data["litestream.yml"]).toBe(readFileSync(resolve(K8S, "components/litestream/litestream.yml"), "utf8"));
      const ls = parse(cm.data["litestream.yml"]);
      expect(ls.addr).toBe(":9091");
      // its comments agree with checkpoints=external: nothing claims the server checkpoints on its own
      expect(cm.data["litestream.yml"]).not.toMatch(/kreditku checkpoints the WAL itself|TRUNCATEs on shutdown/);
      expect(cm.data["litestream.yml"]).toContain("checkpoints=external");
      const cfg = byKind("ConfigMap").find((c) => c.metadata.name.startsWith("kreditku-config")).data;
      expect(cfg.LITESTREAM_REPLICA_BUCKET).toBeTruthy();
    });

    test("PDBs and NetworkPolicies select real workloads; ingress is denied by default", () => {
      const workloads = objs.filter((o) => podSpecOf(o));
      for (const p of [...byKind("PodDisruptionBudget"), ...byKind("NetworkPolicy")]) {
        const sel = p.spec.selector?.matchLabels ?? p.spec.podSelector?.matchLabels ?? {};
        if (Object.keys(sel).length === 0) continue;
        expect([p.metadata.name, workloads.some((w) => matches(sel, podLabelsOf(w)))]).toEqual([p.metadata.name, true]);
      }
      for (const n of byKind("NetworkPolicy")) {
        for (const rule of n.spec.ingress ?? []) {
          for (const from of rule.from ?? []) {
            if (!from.podSelector?.matchLabels) continue;
            expect([n.metadata.name, workloads.some((w) => matches(from.podSelector.matchLabels, podLabelsOf(w)))]).toEqual([n.metadata.name, true]);
          }
        }
      }
      expect(byKind("NetworkPolicy").some((n) => Object.keys(n.spec.podSelector).length === 0 && n.spec.policyTypes.includes("Ingress") && !n.spec.ingress)).toBe(true);
      expect(byKind("PodDisruptionBudget").map((p) => p.metadata.name)).toEqual(expect.arrayContaining(["kreditku-api", "kreditku-worker"]));
    });
  });
}

test("the Redis password wiring works: redis-server with the manifest's --requirepass refuses anonymous clients, the binary connects with the manifest's REDIS_URL", async () => {
  const objs = await render("dev");
  const redis = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "kreditku-redis").spec.template.spec.containers[0];
  const api = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "kreditku-api").spec.template.spec.containers[0];
  const password = "k8s-test-" + crypto.randomUUID().replaceAll("-", "");
  const port = 21000 + Math.floor(Math.random() * 20000);
  // Kubernetes expands $(REDIS_PASSWORD) in args and in later env values; do the same here
  const expand = (v: string) => v.replaceAll("$(REDIS_PASSWORD)", password);
  const i = redis.args.indexOf("--requirepass");
  const server = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", expand(redis.args[i + 1])], { stdout: "ignore", stderr: "ignore" });
  try {
    const cli = async (env: Record<string, string>) => {
      const p = Bun.spawn(["redis-cli", "-p", String(port), "ping"], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
      return (await new Response(p.stdout).text()).trim();
    };
    for (let n = 0; n < 50 && (await cli({ REDISCLI_AUTH: password })) !== "PONG"; n++) await Bun.sleep(100);
    expect(await cli({ REDISCLI_AUTH: password })).toBe("PONG");
    expect(await cli({})).toContain("NOAUTH");
    const url = expand(api.env.find((e: any) => e.name === "REDIS_URL").value).replace("@kreditku-redis:6379", `@127.0.0.1:${port}`);
    const srv = await startBinary({ env: { REDIS_URL: url, KREDITKU_QUEUE_PREFIX: `k8s-test-${port}` } });
    try {
      const ready = await fetch(`${srv.url}/readyz`);
      const body = await ready.json();
      expect([ready.status, body.checks?.redis]).toEqual([200, true]);
    } finally {
      srv.cleanup();
    }
  } finally {
    server.kill();
    await server.exited;
  }
});
