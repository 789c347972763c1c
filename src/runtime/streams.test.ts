// Open event streams per caller are capped: opening one more than the limit closes the caller's oldest stream
// (its producer is cancelled), other callers are untouched, and a stream the client drops frees its slot.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defineExtension, defineRoute } from "./index.ts";
import { getRuntime, type Runtime } from "./runtime.ts";
import { mountExtensions } from "./routes.ts";
import { MAX_STREAMS_PER_CALLER, streamLimiter, StreamLimiter } from "../http/streams.ts";
import { testAuth, type TestAuth } from "../../test/kit/app.ts";

let producersCancelled = 0;
const ticker = defineRoute({
  method: "get",
  path: "/api/v1/test-stream",
  summary: "An endless event stream",
  access: "authenticated",
  responses: { 200: { description: "SSE", contentType: "text/event-stream" } },
  handler: () => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const enc = new TextEncoder();
    return {
      status: 200,
      stream: new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode(": connected\n\n"));
          timer = setInterval(() => {
            try {
              c.enqueue(enc.encode(": tick\n\n"));
            } catch {
              clearInterval(timer);
            }
          }, 20);
        },
        cancel() {
          producersCancelled++;
          clearInterval(timer);
        },
      }),
    };
  },
});

describe("open event streams per caller", () => {
  let t: TestAuth;
  let rt: Runtime;
  beforeAll(async () => {
    t = testAuth();
    rt = getRuntime(t.p, { extensions: [defineExtension({ name: "streams-test", routes: [ticker] })], jobs: [], embedded: { pollMs: 200 } });
    mountExtensions(t.app, rt);
    await rt.start();
  });
  afterAll(async () => {
    await rt.stop(2000);
    t.close();
  });

  const open = async (token: string) => {
    const r = await t.get("/api/v1/test-stream", { token });
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(": connected\n\n");
    return reader;
  };
  /** Read until the stream ends (true) or it is still producing after `ms` (false). */
  const ends = async (reader: ReadableStreamDefaultReader<Uint8Array>, ms = 300) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const r = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
      if (r?.done) return true;
      if (r === null) return false;
    }
    return false;
  };

  test(`opening stream ${MAX_STREAMS_PER_CALLER + 1} closes the caller's oldest; other callers keep theirs`, async () => {
    const a = (await t.signInBorrower("081277001001")).accessToken;
    const b = (await t.signInBorrower("081277001002")).accessToken;
    const other = await open(b);
    const mine = [];
    for (let i = 0; i < MAX_STREAMS_PER_CALLER; i++) mine.push(await open(a));
    const cancelledBefore = producersCancelled;
    mine.push(await open(a));
    expect(await ends(mine[0])).toBe(true);
    expect(producersCancelled).toBe(cancelledBefore + 1);
    for (const r of mine.slice(1)) expect(await ends(r, 60)).toBe(false);
    expect(await ends(other, 60)).toBe(false);
    // one more: now the second oldest goes
    mine.push(await open(a));
    expect(await ends(mine[1])).toBe(true);
    for (const r of [...mine.slice(2), other]) await r.cancel();
  });

  test("a stream the client closes frees its slot", async () => {
    const c = (await t.signInBorrower("081277001003")).accessToken;
    const user = (await (await t.get("/api/v1/auth/me", { token: c })).json()) as any;
    const readers = [];
    for (let i = 0; i < MAX_STREAMS_PER_CALLER; i++) readers.push(await open(c));
    expect(streamLimiter(t.p).count(user.id)).toBe(MAX_STREAMS_PER_CALLER);
    await readers[2].cancel();
    expect(streamLimiter(t.p).count(user.id)).toBe(MAX_STREAMS_PER_CALLER - 1);
    readers.push(await open(c));
    // nobody was closed: the freed slot was used
    for (const r of [readers[0], readers[1], readers[3], readers[4], readers[5]]) expect(await ends(r, 60)).toBe(false);
    for (const r of [readers[0], readers[1], readers[3], readers[4], readers[5]]) await r.cancel();
    expect(streamLimiter(t.p).count(user.id)).toBe(0);
  });

  test("the limit is a positive integer", () => {
    expect(() => new StreamLimiter(0)).toThrow();
    expect(new StreamLimiter(2).max).toBe(2);
  });
});
