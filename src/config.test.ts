import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "./config.ts";

/** A temporary depot folder, removed after the file's tests. */
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  made.push(dir);
  return dir;
}

describe("config", () => {
  test("defaults", () => {
    const c = loadConfig({ depot: "/tmp/x", env: {} });
    expect(c.port).toBe(4000);
    expect(c.bodyLimitBytes).toBe(1024 * 1024);
    expect(c.redisUrl).toBeUndefined();
  });

  test("file then env override, env wins", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ port: 5000, logLevel: "warn", corsOrigins: ["https://a.example"] }));
    const c = loadConfig({ depot: dir, env: { KREDITKU_PORT: "6000", REDIS_URL: "redis://127.0.0.1:6379" } });
    expect(c.port).toBe(6000);
    expect(c.logLevel).toBe("warn");
    expect(c.corsOrigins).toEqual(["https://a.example"]);
    expect(c.redisUrl).toBe("redis://127.0.0.1:6379");
  });

  test("an invalid setting names the setting and the variable", () => {
    expect(() => loadConfig({ depot: "/tmp/x", env: { KREDITKU_PORT: "99999" } })).toThrow(/port \(KREDITKU_PORT\)/);
    expect(() => loadConfig({ depot: "/tmp/x", env: { KREDITKU_LOG_LEVEL: "loud" } })).toThrow(ConfigError);
  });

  test("secrets are refused in config.json", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ s3: { bucket: "b", secretAccessKey: "x" } }));
    expect(() => loadConfig({ depot: dir, env: {} })).toThrow(/secret/);
  });

  test("a __proto__ key in config.json sets nothing", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), '{"__proto__": {"port": 1234, "trustProxy": true}, "logLevel": "warn"}');
    const c = loadConfig({ depot: dir, env: {} });
    expect(c.port).toBe(4000);
    expect(c.trustProxy).toBe(false);
    expect(c.logLevel).toBe("warn");
    expect(({} as any).trustProxy).toBeUndefined();
  });

  test("malformed config.json is one clear error", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), "{ nope");
    expect(() => loadConfig({ depot: dir, env: {} })).toThrow(/not valid JSON/);
  });
});
