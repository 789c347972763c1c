// The CLI's exit-code rule, command by command, on the built binary: usage errors (unknown flags, bad values,
// missing or unknown subcommands) exit 2 with the command's own message; `--help` prints the usage and exits 0;
// runtime failures exit 1 (a read-only command on a depot that does not exist, a port in use). Only serve, migrate
// and admin create make a depot, and they say so.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { removeDepot, runCli, spawnUntilLog, BINARY, tempDepot } from "./kit/binary.ts";

const root = tempDepot("kreditku-cli-");
afterAll(() => removeDepot(root));
const missing = join(root, "no-such-depot");

/** Every command (as its argv prefix) that takes flags. */
const COMMANDS: string[][] = [
  ["serve"],
  ["migrate"],
  ["admin", "create"],
  ["openapi"],
  ["keys", "rotate"],
  ["worker"],
  ["jobs", "list"],
  ["jobs", "retry"],
  ["jobs", "purge"],
  ["ledger", "check"],
  ["backup"],
  ["backup", "list"],
  ["backup", "verify"],
  ["restore"],
  ["version"],
];

describe("kreditku CLI: one exit-code rule", () => {
  test.each(COMMANDS.map((c) => [c.join(" "), c] as const))("%s --bogus exits 2 naming the flag; --help prints the usage and exits 0", async (_name, cmd) => {
    const bogus = await runCli([...cmd, "--bogus"], { KREDITKU_DEPOT: missing });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("--bogus");
    expect(bogus.stderr).toContain("Usage:");
    const help = await runCli([...cmd, "--help"], { KREDITKU_DEPOT: missing });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: kreditku");
    expect(existsSync(missing)).toBe(false); // neither made a depot
  });

  test.each([
    [["version", "extra"], "Unexpected argument 'extra'"],
    [["serve", "--port", "-1"], '--port must be an integer 0-65535, got "-1"'],
    [["serve", "--port", "http"], '--port must be an integer 0-65535, got "http"'],
    [["serve", "--port", ""], '--port must be an integer 0-65535, got ""'],
    [["worker", "--port", " "], '--port must be an integer 0-65535, got " "'],
    [["worker", "--port", "-1"], '--port must be an integer 0-65535, got "-1"'],
    [["worker", "--concurrency", "-3"], '--concurrency must be an integer 1-1000, got "-3"'],
    [["jobs", "list", "--limit", "-5"], '--limit must be an integer 1-1000000, got "-5"'],
    [["jobs", "list", "--limit", "2.5"], '--limit must be an integer 1-1000000, got "2.5"'],
    [["jobs", "list", "--limit", "99999999999999999999"], '--limit must be an integer 1-1000000, got "99999999999999999999"'],
    [["jobs", "purge", "--dead", "extra"], 'unexpected argument "extra"'],
    [["worker", "--queues", ""], "--queues"],
    [["jobs", "list", "--state", "weird"], "--state must be one of"],
    [["jobs", "retry"], "retry needs one job id or key"],
    [["jobs", "purge"], "purge needs --dead"],
    [["jobs"], "jobs needs a subcommand"],
    [["jobs", "nope"], 'unknown jobs subcommand "nope"'],
    [["ledger"], "ledger needs a subcommand"],
    [["keys"], "keys needs a subcommand"],
    [["admin"], "admin needs a subcommand"],
    [["admin", "create", "--email", "a@b.c"], "--password is required"],
    [["admin", "create", "--email", "a@b.c", "--password", "short"], "password must be at least 10 characters"],
    [["backup", "--keep-daily", "-1"], '--keep-daily must be an integer 0-1000, got "-1"'],
    [["backup", "verify", "--max-age-hours", "-2"], '--max-age-hours must be a positive number, got "-2"'],
    [["restore"], "--from is required"],
    [["nope"], 'unknown command "nope"'],
  ] as const)("%p is a usage error: exit 2 with the command's own message", async (argv, message) => {
    const r = await runCli([...argv], { KREDITKU_DEPOT: missing });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain("ambiguous");
    expect(existsSync(missing)).toBe(false);
  });

  test("version prints the version; no command prints the help and exits 2", async () => {
    const v = await runCli(["version"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^kreditku \d+\.\d+\.\d+/);
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("Commands:");
  });

  test.each([[["ledger", "check"]], [["jobs", "list"]], [["jobs", "retry", "--all-dead"]], [["jobs", "purge", "--dead"]], [["keys", "rotate"]], [["backup"]]] as const)(
    "%p refuses a depot that does not exist: exit 1, one line naming it, nothing created",
    async (argv) => {
      for (const how of ["flag", "env"] as const) {
        const r = how === "flag" ? await runCli([...argv, "--depot", missing]) : await runCli([...argv], { KREDITKU_DEPOT: missing });
        expect(r.code).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toContain(`no depot at ${missing}`);
        expect(r.stderr).toContain("kreditku migrate --depot");
        expect(existsSync(missing)).toBe(false);
      }
    },
  );

  test("migrate and admin create make a depot and say so; the inspection commands then work on it", async () => {
    const depot = join(root, "made-by-migrate");
    const m = await runCli(["migrate", "--depot", depot]);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain(`creating a new depot at ${depot}`);
    expect((await runCli(["migrate", "--depot", depot])).stdout).not.toContain("creating a new depot");
    expect((await runCli(["ledger", "check", "--depot", depot])).code).toBe(0);
    expect((await runCli(["jobs", "list", "--depot", depot])).code).toBe(0);
    // Redis not answering (nothing listens on port 9): one line naming it, exit 1
    const lost = await runCli(["jobs", "redispatch", "--dry-run", "--depot", depot], { REDIS_URL: "redis://127.0.0.1:9" });
    expect(lost.code).toBe(1);
    expect(lost.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^kreditku jobs: redis is unavailable: /)]);
    const retry = await runCli(["jobs", "retry", "no-such-job", "--depot", depot]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain('no dead or failed job "no-such-job"');
    const adminDepot = join(root, "made-by-admin");
    const a = await runCli(["admin", "create", "--email", "ops@example.com", "--password", "a long password", "--depot", adminDepot]);
    expect(a.code).toBe(0);
    expect(a.stderr).toContain(`creating a new depot at ${adminDepot}`);
    expect(JSON.parse(a.stdout).created).toBe(true);
  });

  test("serve: a new depot is logged; the listening line names the bound address; a port in use is one line and exit 1", async () => {
    const depot = join(root, "made-by-serve");
    const first = await spawnUntilLog([BINARY, "serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot], { until: '"msg":"listening"' });
    try {
      expect(first.logs.some((l) => l.includes('"msg":"created a new depot"'))).toBe(true);
      const listening = JSON.parse(first.line);
      expect(listening.address).toBe(`127.0.0.1:${listening.port}`);
      const second = await runCli(["serve", "--port", String(listening.port), "--host", "127.0.0.1", "--depot", join(root, "second")], { KREDITKU_LOG_LEVEL: "error" });
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split("\n")).toHaveLength(1);
      expect(second.stderr).toContain(`port ${listening.port} on 127.0.0.1 is already in use`);
      expect(second.stderr).toContain("KREDITKU_PORT");
      // the metrics listener's port too, naming its own setting
      const metrics = await runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--depot", join(root, "third")], { KREDITKU_LOG_LEVEL: "error", KREDITKU_METRICS_PORT: String(listening.port) });
      expect(metrics.code).toBe(1);
      expect(metrics.stderr.trim().split("\n")).toHaveLength(1);
      expect(metrics.stderr).toContain(`port ${listening.port} on 127.0.0.1 is already in use`);
      expect(metrics.stderr).toContain("KREDITKU_METRICS_PORT");
      // nothing of a depot is touched before the port is bound: the refused serves created no depot
      expect(existsSync(join(root, "second"))).toBe(false);
      expect(existsSync(join(root, "third"))).toBe(false);
      // started twice on the live depot by mistake (same port, or another one): refused in one line, and the running
      // server's job in progress and Idempotency-Key in progress are left to it (not released to run again)
      const db = new Database(join(depot, "data/main.db"));
      try {
        const now = Date.now();
        db.run("INSERT INTO outbox (key, kind, name, queue, payload, state, max_attempts, run_at, created_at, updated_at, lease_until) VALUES ('in-progress', 'job', 'delinquency-sweep', 'owner', '{}', 'running', 3, ?, ?, ?, ?)", [now, now, now, now + 3_600_000]);
        const before = db.query("SELECT state, attempts FROM outbox WHERE key = 'in-progress'").get();
        for (const args of [["--port", String(listening.port)], ["--port", "0"]]) {
          const again = await runCli(["serve", ...args, "--host", "127.0.0.1", "--depot", depot]);
          expect(again.code).toBe(1);
          expect(again.stderr.trim().split("\n")).toHaveLength(1);
          expect(again.stdout).toBe(""); // not one log line: no job runtime started
          expect(again.stderr).toContain(`depot ${depot} is already served by process ${first.proc.pid} (port ${listening.port})`);
        }
        expect(db.query("SELECT state, attempts FROM outbox WHERE key = 'in-progress'").get()).toEqual(before);
      } finally {
        db.close();
      }
    } finally {
      first.proc.kill("SIGTERM");
      await first.proc.exited;
    }
  }, 60_000);
});
