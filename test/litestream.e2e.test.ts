// Continuous protection: Litestream (npm @flydotio/litestream, v0.3.13) runs next to the built binary with the
// shipped config (k8s/components/litestream/litestream.yml), replicates to a real s3rver while another process
// writes, and `litestream restore` produces a database identical in content that kreditku serves.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCli, startBinary, tempDepot } from "./kit/binary.ts";
import { startS3 } from "./kit/s3.ts";

const ROOT = resolve(import.meta.dir, "..");
const LITESTREAM = join(ROOT, "node_modules/@flydotio/litestream-linux-x64/litestream");
const CONFIG = join(ROOT, "k8s/components/litestream/litestream.yml");
const root = tempDepot("kreditku-litestream-e2e-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const counts = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return {
      a: (db.query("SELECT count(*) AS n FROM zz_a").get() as any).n,
      b: (db.query("SELECT count(*) AS n FROM zz_b").get() as any).n,
      migrations: (db.query("SELECT count(*) AS n FROM _migrations").get() as any).n,
      integrity: (db.query("PRAGMA integrity_check").get() as any).integrity_check,
    };
  } finally {
    db.close();
  }
};

async function run(cmd: string[], env: Record<string, string>) {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

test("litestream replicates a live depot to S3 and restores it", async () => {
  expect(existsSync(LITESTREAM)).toBe(true);
  const s3 = await startS3(["kreditku-wal"]);
  const depot = join(root, "live");
  const env = {
    ...s3.env,
    KREDITKU_DEPOT: depot,
    LITESTREAM_REPLICA_BUCKET: "kreditku-wal",
    LITESTREAM_REPLICA_PATH: "test/main",
  };
  // stopped in the finally too, so a failing assertion leaves no server or replicator running (nor its files)
  let srv: Awaited<ReturnType<typeof startBinary>> | undefined;
  let rep: ReturnType<typeof Bun.spawn> | undefined;
  try {
    expect((await runCli(["migrate", "--depot", depot])).code).toBe(0);
    // the README's recipe verbatim: S3_* connection settings for Litestream without S3_BUCKET (documents stay local)
    srv = await startBinary({ depot, env: { ...env, KREDITKU_CHECKPOINTS: "external" } });
    expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
    const db = join(depot, "data/main.db");
    rep = Bun.spawn([LITESTREAM, "replicate", "-config", CONFIG], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    const writer = Bun.spawn([process.execPath, resolve(import.meta.dir, "kit/sqlite-writer.ts"), db, "2000"], { stdout: "pipe", stderr: "inherit" });
    expect(new TextDecoder().decode((await writer.stdout.getReader().read()).value)).toContain("ready");
    await Bun.sleep(1500);
    writer.kill("SIGTERM");
    expect(await writer.exited).toBe(0);
    await fetch(`${srv.url}/healthz`);
    const source = counts(db);
    expect(source.a).toBeGreaterThan(2000);
    // wait until the replica holds every row (a loaded machine uploads later than the sync interval): a restore of
    // the replica into a scratch file must give the source's counts, bounded at 60 s; the last restore's outcome is
    // kept for the failure message
    const probe = join(root, "probe.db");
    let caughtUp = false;
    let last = "";
    for (const deadline = Date.now() + 60_000; !caughtUp && Date.now() < deadline; ) {
      await Bun.sleep(1000);
      rmSync(probe, { force: true });
      const p = await run([LITESTREAM, "restore", "-config", CONFIG, "-o", probe, db], env);
      try {
        const got = p.code === 0 ? counts(probe) : null;
        last = `restore exit ${p.code}, counts ${JSON.stringify(got)} (source ${JSON.stringify(source)}) ${p.code === 0 ? "" : p.out.trim().split("\n").slice(-3).join(" / ")}`;
        caughtUp = got !== null && JSON.stringify(got) === JSON.stringify(source);
      } catch (e) {
        last = `a partial replica: ${String(e)}`; // tables not there yet
        caughtUp = false;
      }
    }
    for (const f of [probe, `${probe}-wal`, `${probe}-shm`]) rmSync(f, { force: true });
    expect({ caughtUp, last: caughtUp ? "" : last }).toEqual({ caughtUp: true, last: "" });
    rep.kill("SIGTERM");
    await rep.exited;
    // the same settings take a nightly backup to S3 (its own bucket in the URL), without S3_BUCKET either
    expect((await runCli(["backup", "--depot", depot, "--to", "s3://kreditku-wal/backups"], env)).code).toBe(0);
    expect(await srv.stop()).toBe(0);

    const gens = await run([LITESTREAM, "generations", "-config", CONFIG, db], env);
    expect(gens.code).toBe(0);
    expect(gens.out).toContain("s3");

    // disaster: the depot's database is gone; restore it from the replica into a new depot and serve it
    const restoredDepot = join(root, "restored");
    mkdirSync(join(restoredDepot, "data"), { recursive: true });
    const out = join(restoredDepot, "data/main.db");
    const r = await run([LITESTREAM, "restore", "-config", CONFIG, "-o", out, db], env);
    expect([r.code, r.out]).toEqual([0, expect.stringContaining("renaming database from temporary location")]);
    expect(counts(out)).toEqual(source);
    const srv2 = await startBinary({ depot: restoredDepot });
    try {
      expect((await fetch(`${srv2.url}/readyz`)).status).toBe(200);
    } finally {
      await srv2.stop();
    }
    // -if-db-not-exists (what the init container uses) leaves an existing database alone
    const again = await run([LITESTREAM, "restore", "-if-db-not-exists", "-if-replica-exists", "-config", CONFIG, db], env);
    expect(again.code).toBe(0);
    expect(counts(db)).toEqual(source);
  } finally {
    if (rep && rep.exitCode === null) rep.kill("SIGKILL");
    if (srv && srv.proc.exitCode === null) srv.proc.kill("SIGKILL");
    await s3.close();
  }
}, 150_000);
