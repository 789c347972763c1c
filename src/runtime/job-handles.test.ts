// Jobs are enqueued by handle: the definition types the payload, the runtime validates it, and a handler that
// needs another extension's job asks whether it is installed instead of catching an error.
import { afterEach, describe, expect, test } from "bun:test";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { defineExtension, defineJob, z } from "./index.ts";

const greet = defineJob({
  name: "handles.greet",
  payload: z.object({ userId: z.string().min(1) }),
  runsOn: "owner",
  handler() {},
});
const elsewhere = defineJob({
  name: "handles.elsewhere",
  payload: z.object({ n: z.number().int() }),
  runsOn: "owner",
  handler() {},
});

const open: TestApp[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
function app() {
  const t = testApp({ extensions: [defineExtension({ name: "handles", jobs: [greet] })], jobs: [], recordEvents: false });
  open.push(t);
  return t;
}

describe("job handles", () => {
  test("enqueue by handle writes the job's outbox row in the transaction, keyed", () => {
    const t = app();
    t.tx((x) => x.enqueue(greet, { userId: "U1" }, { key: "greet:U1" }));
    expect(t.jobs("handles.greet")).toEqual([{ name: "handles.greet", key: "greet:U1", payload: { userId: "U1" } }]);
  });

  test("hasJob tells an installed job from one no installed extension lists", () => {
    const t = app();
    expect(t.runtime.context().hasJob(greet)).toBe(true);
    expect(t.runtime.context().hasJob(elsewhere)).toBe(false);
  });

  test("enqueueing a job that is not installed throws, naming it; nothing is written", () => {
    const t = app();
    expect(() => t.tx((x) => x.enqueue(elsewhere, { n: 1 }))).toThrow('job "handles.elsewhere" is not installed');
    expect(t.jobs("handles.elsewhere")).toEqual([]);
  });

  test("a payload the job's schema refuses throws before anything is written", () => {
    const t = app();
    expect(() => t.tx((x) => x.enqueue(greet, { userId: "" }))).toThrow('job "handles.greet": invalid payload: userId');
    expect(t.jobs("handles.greet")).toEqual([]);
  });

  test("the handle types the payload; a job name is not a handle (compile-time)", () => {
    const t = app();
    const ctx = t.runtime.context();
    expect(() =>
      ctx.tx((x) => {
        // @ts-expect-error the payload of greet has a userId
        x.enqueue(greet, { n: 1 });
      }),
    ).toThrow("invalid payload");
    // @ts-expect-error jobs are enqueued by handle, never by name
    expect(() => ctx.enqueue("handles.greet", { userId: "U1" })).toThrow();
  });
});
