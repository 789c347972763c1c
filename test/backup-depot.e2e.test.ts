// A backup is the whole depot's state: the database, depot/secrets sealed with KREDITKU_BACKUP_KEY and the documents
// of the local store. Restored into a FRESH depot and started, a token issued before the backup verifies, a webhook
// signed with the pre-backup secret verifies, and every document downloads. Without the key the restore refuses
// clearly (exit 8); a backup taken without the key holds no secrets and says so. The newest backup is never silently
// replaced by an older one: an unreadable newest manifest fails verify and restore, naming it; --id picks another.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { Journey } from "./kit/journey.ts";

const root = tempDepot("kreditku-backup-depot-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const KEY = Buffer.alloc(32, 7).toString("base64");
const env = { KREDITKU_LOG_LEVEL: "info", KREDITKU_TRUST_PROXY: "true" };
const jsonLines = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));

function signedWebhook(url: string, secret: string, n: number) {
  const body = JSON.stringify({ type: "payment.succeeded", timestamp: new Date().toISOString(), data: { payment_id: `pay_restore_${n}`, va_number: "88080000000000", amount: 1000, currency: "IDR", paid_at: new Date().toISOString() } });
  const id = `msg_restore_${n}`;
  const at = new Date();
  return fetch(`${url}/webhooks/payments/standard`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(secret).sign(id, at, body) },
    body,
  });
}

async function staffToken(url: string, depot: string, j: Journey, email: string) {
  const made = await runCli(["admin", "create", "--email", email, "--password", "correct horse battery", "--role", "analyst", "--depot", depot]);
  expect(made.code).toBe(0);
  const r = await j.call("POST", "/api/v1/auth/login", { email, password: "correct horse battery" });
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

async function download(base: string, j: Journey, token: string, id: string) {
  const doc = await j.call("GET", `/api/v1/documents/${id}`, undefined, { token });
  expect(doc.status).toBe(200);
  const res = await fetch(new URL(doc.body.downloadUrl, base));
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe("backup and restore of the whole depot", () => {
  let srv: Running;
  let j: Journey;
  let borrower: { token: string; documentIds: string[] };
  let webhookSecret: string;
  let originals: Uint8Array[];
  const backups = join(root, "backups");

  beforeAll(async () => {
    srv = await startBinary({ depot: join(root, "a"), env });
    j = new Journey(srv.url, srv.depot, "71");
  }, 60000);
  afterAll(() => srv?.cleanup());

  test("before the backup: a token, a signed webhook and documents", async () => {
    borrower = await j.readyBorrower(8_000_000);
    expect((await j.call("GET", "/api/v1/auth/me", undefined, { token: borrower.token })).status).toBe(200);
    const wrong = "whsec_" + Buffer.alloc(32, 1).toString("base64");
    expect((await signedWebhook(srv.url, wrong, 2)).status).toBe(401); // also generates the depot's secret
    webhookSecret = readFileSync(join(srv.depot, "secrets/webhook-standard"), "utf8").trim();
    expect((await signedWebhook(srv.url, webhookSecret, 1)).status).not.toBe(401);
    const staff = await staffToken(srv.url, srv.depot, j, "analyst-a@kreditku.id");
    originals = [];
    for (const id of borrower.documentIds) {
      const d = await download(srv.url, j, staff, id);
      expect(d.status).toBe(200);
      originals.push(d.bytes);
    }
  }, 60000);

  test("a backup without KREDITKU_BACKUP_KEY holds no secrets and says so", async () => {
    const r = await runCli(["backup", "--depot", srv.depot, "--to", join(root, "nokey")], env);
    expect(r.code).toBe(0);
    const warn = jsonLines(r.stdout).find((l) => l.msg === "backup without secrets");
    expect(warn).toMatchObject({ level: "warn", reason: "KREDITKU_BACKUP_KEY is not set" });
    const done = jsonLines(r.stdout).find((l) => l.msg === "backup complete");
    expect(done.secrets).toContain("not included");
    expect(readdirSync(join(root, "nokey")).some((n) => n.endsWith(".secrets.enc"))).toBe(false);
  }, 60000);

  test("the backup seals depot/secrets and packs depot/uploads", async () => {
    await srv.stop();
    const r = await runCli(["backup", "--depot", srv.depot, "--to", backups], { ...env, KREDITKU_BACKUP_KEY: KEY });
    expect(r.code).toBe(0);
    const done = jsonLines(r.stdout).find((l) => l.msg === "backup complete");
    expect(done.secrets).toBeGreaterThanOrEqual(3);
    expect(done.documents).toBe(2);
    const sealed = readFileSync(join(backups, `${done.id}.secrets.enc`));
    expect(sealed.includes(Buffer.from(webhookSecret))).toBe(false); // encrypted at rest
    const m = JSON.parse(readFileSync(join(backups, `${done.id}.manifest.json`), "utf8"));
    expect(m.secrets.files).toContain("webhook-standard");
    expect(m.documents).toMatchObject({ store: "fs", files: 2 });
  }, 60000);

  test("restore into a fresh depot without the key refuses clearly; with a wrong key too", async () => {
    const fresh = join(root, "nokey-restore");
    const r = await runCli(["restore", "--from", backups, "--depot", fresh], env);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("KREDITKU_BACKUP_KEY");
    expect(existsSync(join(fresh, "data/main.db"))).toBe(false);
    const wrong = await runCli(["restore", "--from", backups, "--depot", fresh], { ...env, KREDITKU_BACKUP_KEY: Buffer.alloc(32, 9).toString("base64") });
    expect(wrong.code).toBe(8);
    expect(wrong.stderr).toContain("does not open");
    const v = await runCli(["backup", "verify", "--from", backups, "--depot", fresh], env);
    expect(v.code).toBe(8);
  }, 60000);

  test("restored into a fresh depot and started: the old token, the old webhook secret and every document work", async () => {
    const fresh = join(root, "b");
    const v = await runCli(["backup", "verify", "--from", backups, "--depot", fresh], { ...env, KREDITKU_BACKUP_KEY: KEY });
    expect(v.code).toBe(0);
    const r = await runCli(["restore", "--from", backups, "--depot", fresh], { ...env, KREDITKU_BACKUP_KEY: KEY });
    expect(r.code).toBe(0);
    // restore's own proof: a token and a webhook signed before the backup verify with the restored secrets
    const done = jsonLines(r.stdout).find((l) => l.msg === "restore complete");
    expect(done).toMatchObject({ documents: "2 files" });
    expect(done.proof).toMatch(/^a pre-backup access token and [1-9]\d* pre-backup webhook signatures? verified$/);
    expect(readdirSync(join(fresh, "secrets"))).not.toContain(".backup-proof.json");
    const b = await startBinary({ depot: fresh, env });
    try {
      const jb = new Journey(b.url, b.depot, "72");
      expect((await jb.call("GET", "/api/v1/auth/me", undefined, { token: borrower.token })).status).toBe(200);
      expect((await signedWebhook(b.url, webhookSecret, 3)).status).not.toBe(401);
      const staff = await staffToken(b.url, b.depot, jb, "analyst-b@kreditku.id");
      for (const [i, id] of borrower.documentIds.entries()) {
        const d = await download(b.url, jb, staff, id);
        expect(d.status).toBe(200);
        expect(Buffer.from(d.bytes).equals(Buffer.from(originals[i]))).toBe(true);
      }
    } finally {
      await b.stop();
    }
  }, 90000);

  test("an unreadable newest manifest fails verify and restore, naming it; --id picks an older backup explicitly", async () => {
    const ids = readdirSync(backups)
      .filter((n) => n.endsWith(".manifest.json"))
      .map((n) => n.slice(0, -".manifest.json".length));
    const older = ids.sort().at(-1)!;
    const newest = older.replace(/Z$/, "Z-1");
    writeFileSync(join(backups, `${newest}.manifest.json`), "{ not json");
    const keyed = { ...env, KREDITKU_BACKUP_KEY: KEY };
    const v = await runCli(["backup", "verify", "--from", backups, "--depot", join(root, "c")], keyed);
    expect(v.code).toBe(4);
    expect(v.stderr).toContain(newest);
    expect(v.stderr).toContain(`--id ${older}`);
    const r = await runCli(["restore", "--from", backups, "--depot", join(root, "c")], keyed);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(newest);
    expect(existsSync(join(root, "c/data/main.db"))).toBe(false);
    const ok = await runCli(["restore", "--from", backups, "--id", older, "--depot", join(root, "c")], keyed);
    expect(ok.code).toBe(0);
    expect((await runCli(["backup", "verify", "--from", backups, "--id", older, "--depot", join(root, "c")], keyed)).code).toBe(0);
  }, 60000);

  test("a newest backup that fails a check (its data truncated) is refused naming the older one; an empty retention value is a usage error; a killed backup's work folder is cleared by the next", async () => {
    const keyed = { ...env, KREDITKU_BACKUP_KEY: KEY };
    const fresh = join(root, "newer-backups");
    expect((await runCli(["backup", "--depot", srv.depot, "--to", fresh], keyed)).code).toBe(0);
    // an empty value ("$UNSET") is not "keep nothing": exit 2, nothing deleted
    for (const v of ["", " "]) {
      const r = await runCli(["backup", "--depot", srv.depot, "--to", fresh, "--keep-daily", v], keyed);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--keep-daily must be an integer 0-1000");
    }
    // a work folder left by a backup that was killed (its pid long gone) is removed by the next backup
    const stale = join(srv.depot, "backups", ".work-kreditku-20260101T000000000Z-999999999");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "snapshot.db"), "left behind");
    const second = await runCli(["backup", "--depot", srv.depot, "--to", fresh], keyed);
    expect(second.code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(jsonLines(second.stdout).some((l) => l.msg === "removed the work folder of a backup that did not finish")).toBe(true);
    const ids = readdirSync(fresh)
      .filter((n) => n.endsWith(".manifest.json"))
      .map((n) => n.slice(0, -".manifest.json".length))
      .sort();
    expect(ids.length).toBe(2);
    const [older, newest] = ids as [string, string];
    const data = join(fresh, `${newest}.db.gz`);
    writeFileSync(data, readFileSync(data).subarray(0, 1000));
    for (const argv of [["backup", "verify", "--from", fresh, "--depot", join(root, "d")], ["restore", "--from", fresh, "--depot", join(root, "d")]]) {
      const r = await runCli(argv, keyed);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(newest);
      expect(r.stderr).toContain(`to use the older ${older}, pass --id ${older}`);
    }
  }, 60000);
});
