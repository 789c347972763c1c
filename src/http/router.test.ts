import { describe, expect, test } from "bun:test";
import { TrieRouter } from "hono/router/trie-router";
import { MATCH_MEMO_SIZE, MemoRouter, newRouter } from "./router.ts";

const ROUTES: [string, string][] = [
  ["ALL", "*"],
  ["GET", "/api/v1/records"],
  ["GET", "/api/v1/records/:name"],
  ["GET", "/api/v1/records/:name/export.csv"],
  ["GET", "/api/v1/records/:name/:id"],
  ["GET", "/api/v1/auth/me"],
  ["POST", "/api/v1/admin/blocklist"],
  ["GET", "/files/*"],
];

function both() {
  const memo = new MemoRouter<string>();
  const trie = new TrieRouter<string>();
  for (const [m, p] of ROUTES) {
    memo.add(m, p, `${m} ${p}`);
    trie.add(m, p, `${m} ${p}`);
  }
  return { memo, trie };
}

const handlersOf = (r: any) => r[0].map((x: any) => [x[0], x[1]]);

describe("MemoRouter", () => {
  test("answers what the trie answers, the first time and from the memo", () => {
    const { memo, trie } = both();
    const asks: [string, string][] = [
      ["GET", "/api/v1/records/loans/export.csv"],
      ["GET", "/api/v1/records/loans/abc"],
      ["GET", "/api/v1/records/loans"],
      ["GET", "/api/v1/auth/me"],
      ["POST", "/api/v1/auth/me"],
      ["POST", "/api/v1/admin/blocklist"],
      ["GET", "/files/a/b/c.png"],
      ["GET", "/nowhere"],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [m, p] of asks) expect(handlersOf(memo.match(m, p))).toEqual(handlersOf(trie.match(m, p)));
    }
  });

  test("one result per path serves every request for it; another path gets its own parameters", () => {
    const { memo } = both();
    const a = memo.match("GET", "/api/v1/records/loans/one");
    expect(memo.match("GET", "/api/v1/records/loans/one")).toBe(a);
    const b = memo.match("GET", "/api/v1/records/loans/two");
    expect(handlersOf(b).find((h: any) => h[0].endsWith(":id"))[1]).toEqual({ name: "loans", id: "two" });
  });

  test("a route added after a match is found (the memo is forgotten)", () => {
    const memo = new MemoRouter<string>();
    memo.add("GET", "/a", "a");
    expect(memo.match("GET", "/b")[0]).toHaveLength(0);
    memo.add("GET", "/b", "b");
    expect(handlersOf(memo.match("GET", "/b"))).toEqual([["b", {}]]);
  });

  test("stays bounded whatever paths come, and long paths are matched without being remembered", () => {
    const { memo } = both();
    for (let i = 0; i < MATCH_MEMO_SIZE * 2 + 5; i++) memo.match("GET", `/api/v1/records/loans/${i}`);
    expect((memo as any).memo.size).toBeLessThanOrEqual(MATCH_MEMO_SIZE);
    const long = `/api/v1/records/loans/${"x".repeat(300)}`;
    const r1 = memo.match("GET", long);
    expect(memo.match("GET", long)).not.toBe(r1);
    expect(handlersOf(memo.match("GET", long))).toEqual(handlersOf(r1));
  });

  test("the app uses it", async () => {
    const app = newRouter();
    expect(app.router.name).toBe("MemoRouter(TrieRouter)");
    app.get("/x/:id", (c) => c.text(c.req.param("id")));
    expect(await (await app.request("/x/1")).text()).toBe("1");
    expect(await (await app.request("/x/2")).text()).toBe("2");
    expect(await (await app.request("/x/1")).text()).toBe("1");
  });
});
