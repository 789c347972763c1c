// bench/inproc-ab: the HTTP pipeline's own CPU per request, in one process, for two checkouts side by side.
// Each checkout's whole app (test/kit/app.ts: every module, a file depot, the real logger at info into memory) is
// called with app.fetch — no sockets, so Bun's HTTP server, the same for both, is left out — in alternating rounds
// (A B, B A, …), and the median CPU µs per request (process.cpuUsage) of each is printed. On a machine shared with
// other work, this moves far less than wrk throughput. Not part of `npm run bench`: a profiling aid (bench/PROFILE.md).
//
//   git worktree add /tmp/base <rev> && ln -s "$PWD/node_modules" /tmp/base/node_modules
//   A=/tmp/base B=$PWD bun run bench/inproc-ab.ts "/healthz,/api/v1/auth/me,{loan}" 10000 4
//
// Paths: any GET path; `{loan}` is a borrower's own loan of 50 instalments. Requests carry one of 2,500 borrowers'
// tokens each (auth routes allow 60 per minute per user) and a distinct X-Forwarded-For.
export {};

const roots = [process.env.A ?? process.cwd(), process.env.B ?? process.cwd()];
const paths = (process.argv[2] ?? "/healthz,/api/v1/auth/me,{loan}").split(",");
const N = Number(process.argv[3] ?? 10000);
const ROUNDS = Number(process.argv[4] ?? 4);

interface Side {
  t: any;
  tokens: string[];
  loanPath: string;
  loanToken: string;
}

async function side(root: string): Promise<Side> {
  const { testApp } = await import(`${root}/test/kit/app.ts`);
  const { seedLoan } = await import(`${root}/test/kit/accepted-loan.ts`);
  const t = testApp({ clock: "system", logLevel: "info" });
  const tokens = await Promise.all(Array.from({ length: 2500 }, () => t.token(t.borrower())));
  let seeded: { loanId: string; userId: string } | undefined;
  t.db.tx((w: any) => {
    seeded = seedLoan(w.raw ?? w);
  });
  return { t, tokens, loanPath: `/api/v1/loans/${seeded!.loanId}`, loanToken: await t.token(t.sessionFor(seeded!.userId)) };
}

let k = 0;
async function run(s: Side, path: string, n: number): Promise<number> {
  const loan = path === "{loan}";
  const p = loan ? s.loanPath : path;
  const reqs = Array.from({ length: n }, () => {
    k++;
    const token = loan ? s.loanToken : s.tokens[k % s.tokens.length];
    return new Request(`http://kreditku${p}`, { headers: { authorization: `Bearer ${token}`, "x-forwarded-for": `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}` } });
  });
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const r = await s.t.app.fetch(reqs[i]);
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    await r.text();
    if (i % 5000 === 0) s.t.logLines.length = 0;
  }
  const c = process.cpuUsage(c0);
  s.t.logLines.length = 0;
  return (c.user + c.system) / n;
}

const sides = [await side(roots[0]), await side(roots[1])];
const res: Record<string, [number[], number[]]> = {};
for (const p of paths) {
  res[p] = [[], []];
  for (const s of sides) await run(s, p, 3000); // warm-up
}
for (let r = 0; r < ROUNDS; r++) {
  for (const p of paths) {
    for (let i = 0; i < 2; i++) {
      const j = r % 2 ? 1 - i : i;
      res[p][j].push(await run(sides[j], p, N));
    }
  }
}
const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
console.log(`A = ${roots[0]}\nB = ${roots[1]}`);
for (const p of paths) {
  const [a, b] = res[p];
  console.log(`${p.padEnd(22)} A ${a.map((x) => x.toFixed(1)).join(" ")} (median ${median(a).toFixed(1)} µs)   B ${b.map((x) => x.toFixed(1)).join(" ")} (median ${median(b).toFixed(1)} µs)   B/A ${(median(b) / median(a)).toFixed(2)}`);
}
for (const s of sides) await s.t.close();
process.exit(0);
