// A Redis server of the test's own (redis-server on a free 127.0.0.1 port, no persistence), for the failure tests:
// flushed, stopped and restarted empty without touching the shared Redis.
import { createServer } from "node:net";
import Redis from "ioredis";
import { waitFor } from "./wait.ts";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

export interface OwnRedis {
  url: string;
  port: number;
  /** FLUSHALL on this server (ours alone). */
  flush(): Promise<void>;
  /** Stop the server (SIGKILL: nothing is saved — there is no persistence anyway). */
  stop(): Promise<void>;
  /** Start it again on the same port, empty. */
  start(): Promise<void>;
  client(): Redis;
  close(): Promise<void>;
}

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  r.on("error", () => {});
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ReturnType<typeof Bun.spawn> | null = null;
  const clients: Redis[] = [];
  const start = async () => {
    proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"], { stdout: "ignore", stderr: "ignore" });
    await waitFor(() => ping(url), 5000, `redis-server on ${port}`, 50);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p) return;
    p.kill("SIGKILL");
    await p.exited;
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    async flush() {
      const r = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await r.flushall();
      } finally {
        r.disconnect();
      }
    },
    client() {
      const r = new Redis(url, { maxRetriesPerRequest: 1 });
      r.on("error", () => {});
      clients.push(r);
      return r;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await stop();
    },
  };
}
