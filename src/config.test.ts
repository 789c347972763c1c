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

  test("a __proto__ key in config.json is an unknown setting: refused, and nothing is polluted", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), '{"__proto__": {"port": 1234, "trustProxy": true}, "logLevel": "warn"}');
    expect(() => loadConfig({ depot: dir, env: {} })).toThrow(/unknown setting __proto__/);
    expect(({} as any).trustProxy).toBeUndefined();
    expect(({} as any).port).toBeUndefined();
  });

  test("a mistyped setting is refused with the closest known name, nested ones too; an invalid value names its source", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), '{"bodyLimitByte": 10, "bogusKey": 1, "auth": {"acessTtlSeconds": 60}}');
    let message = "";
    try {
      loadConfig({ depot: dir, env: {} });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("unknown settings bodyLimitByte (did you mean bodyLimitBytes?), bogusKey, auth.acessTtlSeconds (did you mean auth.accessTtlSeconds?)");
    writeFileSync(join(dir, "config.json"), '{"port": "abc"}');
    expect(() => loadConfig({ depot: dir, env: {} })).toThrow(`invalid setting port (${join(dir, "config.json")})`);
    expect(() => loadConfig({ depot: dir, env: { KREDITKU_PORT: "abc" } })).toThrow("invalid setting port (KREDITKU_PORT)");
  });

  test("malformed config.json is one clear error", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), "{ nope");
    expect(() => loadConfig({ depot: dir, env: {} })).toThrow(/not valid JSON/);
  });
});
