// ctx.commit: an extension's writes through the database's group commit (src/db/group-commit.ts), on the real app:
// the route writes of one moment share one transaction with each other and with the webhooks' req.commit; a unit
// that throws answers its own problem (409/422 stay 409/422) and leaves nothing; every answer comes after the
// COMMIT; outbox rows commit with the group and the runner is woken only after it.
import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { defineEvents, defineExtension, defineJob, defineRoute, problems, z, type EventPayloadsOf } from "./index.ts";
import { makeContext, StatelessError } from "./context.ts";
import { groupCommitOf, type BatchInfo } from "../db/group-commit.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";

const EVENTS = defineEvents({ "commit-test.noted": z.object({ id: z.string() }) });
declare module "./types.ts" {
  interface EventPayloads extends EventPayloadsOf<typeof EVENTS> {}
}

const noteJob = defineJob({ name: "commit-test.note", payload: z.object({ id: z.string() }), runsOn: "owner", handler() {} });

const Note = z.object({ id: z.string(), committedAtAnswer: z.number().int() });

const ext = defineExtension({
  name: "commit-test",
  events: EVENTS,
  jobs: [noteJob],
  routes: [
    defineRoute({
      method: "post",
      path: "/api/v1/commit-test/notes",
      summary: "Write a note, its event and its job in one unit of the group commit",
      access: ["admin"],
      request: { body: z.object({ id: z.string().min(1), text: z.string() }) },
      responses: {
        201: { description: "Written", schema: Note, example: { id: "n1", committedAtAnswer: 1 } },
        409: { description: "The id is taken" },
        422: { description: "Refused after writing" },
      },
      async handler(req, ctx) {
        const id = await ctx.commit((t) => {
          if (t.get("SELECT 1 AS x FROM c_notes WHERE id = ?", req.body.id)) throw problems.conflict(`note ${req.body.id} exists`);
          t.run("INSERT INTO c_notes (id, text) VALUES (?, ?)", req.body.id, req.body.text);
          t.emit("commit-test.noted", { id: req.body.id });
          t.enqueue(noteJob, { id: req.body.id }, { key: `note-${req.body.id}` });
          // refused after its writes: the savepoint must undo the row and both outbox rows
          if (req.body.text === "refuse") throw problems.validation([{ path: "text", message: "refused" }]);
          return req.body.id;
        });
        // a reader connection sees only committed data
        const committedAtAnswer = ctx.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM c_notes WHERE id = ?", id)!.n;
        return { status: 201, body: { id, committedAtAnswer } };
      },
    }),
  ],
});

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});
function app() {
  const t = testApp({ extensions: [ext] });
  apps.push(t);
  t.db.tx((c) => c.exec("CREATE TABLE c_notes (id TEXT PRIMARY KEY, text TEXT NOT NULL) STRICT"));
  return t;
}
const batches = (t: TestApp) => {
  const seen: BatchInfo[] = [];
  groupCommitOf(t.db).onBatch((b) => seen.push(b));
  return seen;
};
const notes = (t: TestApp) => t.db.read.all<{ id: string }>("SELECT id FROM c_notes ORDER BY id").map((r) => r.id);

describe("ctx.commit (group commit for extensions)", () => {
  test("route writes of one moment share one transaction; each answers after the COMMIT with its own outbox rows", async () => {
    const t = app();
    const admin = t.staff("admin");
    await t.call("POST", "/api/v1/commit-test/notes", { as: admin, body: { id: "warm", text: "token cache warm" } });
    const seen = batches(t);
    const ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const res = await Promise.all(ids.map((id) => t.call("POST", "/api/v1/commit-test/notes", { as: admin, body: { id, text: `note ${id}` } })));
    expect(res.map((r) => [r.status, r.body])).toEqual(ids.map((id) => [201, { id, committedAtAnswer: 1 }]));
    // fewer transactions than requests: the writes were grouped (all eight in one when they reach it in one turn)
    expect(seen.reduce((n, b) => n + b.size, 0)).toBe(8);
    expect(seen.length).toBeLessThan(8);
    expect(Math.max(...seen.map((b) => b.size))).toBeGreaterThan(1);
    expect(notes(t)).toEqual([...ids, "warm"]);
    expect(t.outbox({ name: "commit-test.note" }).map((r) => r.key).sort()).toEqual(["warm", ...ids].map((id) => `note-${id}`).sort());
    expect(t.events("commit-test.noted").length).toBe(9);
  });

  test("a 409 or 422 inside the shared transaction answers that problem and leaves nothing; the others are kept", async () => {
    const t = app();
    const admin = t.staff("admin");
    await t.call("POST", "/api/v1/commit-test/notes", { as: admin, body: { id: "taken", text: "first" } });
    const mark = t.outboxMark();
    const seen = batches(t);
    const bodies = [
      { id: "p", text: "ok" },
      { id: "taken", text: "again" },
      { id: "q", text: "refuse" },
      { id: "r", text: "ok" },
    ];
    const res = await Promise.all(bodies.map((body) => t.call("POST", "/api/v1/commit-test/notes", { as: admin, body })));
    expect(res.map((r) => r.status)).toEqual([201, 409, 422, 201]);
    for (const r of [res[1], res[2]]) expect(r.headers.get("content-type")).toStartWith("application/problem+json");
    expect(res[1].body).toMatchObject({ status: 409, detail: "note taken exists" });
    expect(res[2].body).toMatchObject({ status: 422 });
    expect(seen.reduce((n, b) => n + b.failed, 0)).toBe(2);
    expect(seen.some((b) => b.fallback)).toBe(false);
    // nothing of the failed units: no row, no event, no job (the 409 wrote none; the 422 wrote all three first)
    expect(notes(t)).toEqual(["p", "r", "taken"]);
    expect(t.outbox({ after: mark }).map((r) => r.key).filter((k) => k.startsWith("note-")).sort()).toEqual(["note-p", "note-r"]);
    expect(t.outbox({ after: mark, kind: "hook" }).map((r) => r.payload.id).sort()).toEqual(["p", "r"]);
  });

  test("answers only after the COMMIT; the runner is woken after it, and only for units that wrote outbox rows", async () => {
    const t = app();
    const reader = new Database(t.db.path, { readonly: true });
    const visible = () => (reader.query("SELECT COUNT(*) AS n FROM c_notes").get() as { n: number }).n;
    const outboxVisible = () => (reader.query("SELECT COUNT(*) AS n FROM outbox WHERE name = 'commit-test.note'").get() as { n: number }).n;
    const woken: { notes: number; jobs: number }[] = [];
    const ctx = makeContext(t.platform, t.runtime.reg, { afterCommit: () => woken.push({ notes: visible(), jobs: outboxVisible() }) });
    const seen = batches(t);
    const inside: number[] = [];
    const write = (id: string, withJob: boolean) =>
      ctx
        .commit((tx) => {
          tx.run("INSERT INTO c_notes (id, text) VALUES (?, 'x')", id);
          if (withJob) tx.enqueue(noteJob, { id }, { key: `note-${id}` });
          inside.push(visible());
          return id;
        })
        .then((v) => ({ v, visibleAtAnswer: visible() }));
    const out = await Promise.all([write("a", true), write("b", false), write("c", true)]);
    expect(inside).toEqual([0, 0, 0]); // nothing committed while the group runs
    expect(out).toEqual([
      { v: "a", visibleAtAnswer: 3 },
      { v: "b", visibleAtAnswer: 3 },
      { v: "c", visibleAtAnswer: 3 },
    ]);
    expect(seen.map(({ size, failed, fallback }) => ({ size, failed, fallback }))).toEqual([{ size: 3, failed: 0, fallback: false }]);
    // two units enqueued, each nudge after the COMMIT (the whole group visible to another connection)
    expect(woken).toEqual([
      { notes: 3, jobs: 2 },
      { notes: 3, jobs: 2 },
    ]);
    reader.close();
  });

  test("the same group as the webhooks' req.commit: an extension's write and a delivery's share one transaction", async () => {
    const t = app();
    const seen = batches(t);
    const [a, b] = await Promise.all([
      t.ctx.commit((tx) => tx.run("INSERT INTO c_notes (id, text) VALUES ('route', 'x')").changes),
      groupCommitOf(t.db).run((c) => c.run("INSERT INTO c_notes (id, text) VALUES ('webhook', 'x')").changes),
    ]);
    expect([a, b]).toEqual([1, 1]);
    expect(seen.map((x) => x.size)).toEqual([2]);
    expect(notes(t)).toEqual(["route", "webhook"]);
  });

  test("a plain Error rejects the caller with it; a stateless worker's context has no commit", async () => {
    const t = app();
    await expect(
      t.ctx.commit((tx) => {
        tx.run("INSERT INTO c_notes (id, text) VALUES ('gone', 'x')");
        throw new Error("unit failed");
      }),
    ).rejects.toThrow("unit failed");
    expect(notes(t)).toEqual([]);
    const stateless = makeContext({ ...t.platform, db: undefined }, t.runtime.reg);
    await expect(stateless.commit(() => 1)).rejects.toBeInstanceOf(StatelessError);
  });
});

describe("ctx.read (one committed state for a handler's reads)", () => {
  test("reads on one connection see one state; a commit in between is seen by the next read; refuses writes", () => {
    const t = app();
    t.ctx.tx((tx) => tx.run("INSERT INTO c_notes (id, text) VALUES ('a', 'x')"));
    const seen = t.ctx.read((db) => {
      const before = db.all<{ id: string }>("SELECT id FROM c_notes").length;
      t.ctx.tx((tx) => tx.run("INSERT INTO c_notes (id, text) VALUES ('b', 'x')"));
      return [before, db.all<{ id: string }>("SELECT id FROM c_notes").length];
    });
    expect(seen).toEqual([1, 1]);
    expect(t.ctx.read((db) => db.all("SELECT id FROM c_notes").length)).toBe(2);
    expect(() => t.ctx.read((db) => db.run("INSERT INTO c_notes (id, text) VALUES ('c', 'x')"))).toThrow(/readonly|read-only/i);
    // inside a write transaction it reads the transaction's own writes
    expect(t.ctx.tx((tx) => (tx.run("INSERT INTO c_notes (id, text) VALUES ('d', 'x')"), t.ctx.read((db) => db.all("SELECT id FROM c_notes").length)))).toBe(3);
    const stateless = makeContext({ ...t.platform, db: undefined }, t.runtime.reg);
    expect(() => stateless.read(() => 1)).toThrow(StatelessError);
  });

  test("the borrower's loan detail reads through it: the loan and its 50 instalments", async () => {
    const t = testApp();
    apps.push(t);
    const { seedLoan } = await import("../../test/kit/accepted-loan.ts");
    let seeded!: { loanId: string; userId: string };
    t.db.tx((c) => {
      seeded = seedLoan(c.raw);
    });
    const b = t.sessionFor(seeded.userId);
    const r = await t.call("GET", `/api/v1/loans/${seeded.loanId}`, { as: b });
    expect(r.status).toBe(200);
    expect(r.body.installments).toHaveLength(50);
  });
});
