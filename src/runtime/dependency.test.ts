// callDependency: a stalled dependency (accepts, never answers) and a refused one both become a 503
// DependencyUnavailable with Retry-After within the deadline; other errors pass through.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { callDependency, DependencyUnavailable, isConnectionError } from "./dependency.ts";

let stalled: Server;
let stalledPort = 0;
let refusedPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  stalled = createServer((s) => sockets.push(s)); // accepts, never answers
  await new Promise<void>((res) => stalled.listen(0, "127.0.0.1", res));
  stalledPort = (stalled.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, "127.0.0.1", res));
  refusedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((res) => probe.close(() => res()));
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  stalled.close();
});

describe("callDependency", () => {
  test("a dependency that accepts and never answers is unavailable at the deadline (fetch aborted)", async () => {
    const t0 = performance.now();
    const err = await callDependency("gateway", (signal) => fetch(`http://127.0.0.1:${stalledPort}/`, { signal }), { timeoutMs: 300, retryAfterSeconds: 7 }).catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect(err.status).toBe(503);
    expect(err.slug).toBe("dependency-unavailable");
    expect(err.headers["Retry-After"]).toBe("7");
    expect(err.dependency).toBe("gateway");
    expect(err.detail).toContain("no answer within 300 ms");
  });

  test("a call that ignores its signal still ends at the deadline", async () => {
    const err = await callDependency("sms", () => new Promise(() => {}), { timeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(DependencyUnavailable);
  });

  test("an endpoint that does not speak HTTP (an SSH banner) is unavailable, over fetch and node:http alike", async () => {
    const ssh = createServer((s) => {
      sockets.push(s);
      s.write("SSH-2.0-OpenSSH_9.2\r\n");
    });
    await new Promise<void>((res) => ssh.listen(0, "127.0.0.1", res));
    const port = (ssh.address() as { port: number }).port;
    try {
      const viaFetch = await callDependency("s3", (signal) => fetch(`http://127.0.0.1:${port}/`, { signal }), { timeoutMs: 2000 }).catch((e) => e);
      expect(viaFetch).toBeInstanceOf(DependencyUnavailable);
      const { request } = await import("node:http");
      const viaHttp: any = await callDependency(
        "s3",
        () =>
          new Promise((resolve, reject) => {
            const req = request({ host: "127.0.0.1", port, path: "/" }, resolve);
            req.on("error", reject);
            req.end();
          }),
        { timeoutMs: 2000 },
      ).catch((e) => e);
      expect(viaHttp).toBeInstanceOf(DependencyUnavailable);
      expect(viaHttp.detail).not.toContain("no answer within"); // refused at once as a protocol error, not at the deadline
    } finally {
      ssh.close();
    }
  });

  test("a refused connection is unavailable at once", async () => {
    const t0 = performance.now();
    const err = await callDependency("gateway", (signal) => fetch(`http://127.0.0.1:${refusedPort}/`, { signal }), { timeoutMs: 3000 }).catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DependencyUnavailable);
    expect(err.headers["Retry-After"]).toBe("5");
  });

  test("other errors pass through; a value is returned as is", async () => {
    const err = await callDependency("gateway", async () => {
      throw new RangeError("bad amount");
    }).catch((e) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(await callDependency("gateway", async () => 42)).toBe(42);
    expect(isConnectionError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isConnectionError(new Error("400 bad request"))).toBe(false);
  });

  test("an outer abort (job timeout) is the caller's, not the dependency's", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("job timed out")), 50);
    const err = await callDependency("gateway", (signal) => fetch(`http://127.0.0.1:${stalledPort}/`, { signal }), { timeoutMs: 2000, signal: ac.signal }).catch((e) => e);
    expect(err).not.toBeInstanceOf(DependencyUnavailable);
  });
});
