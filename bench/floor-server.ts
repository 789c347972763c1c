// The floor: a bare Bun.serve doing the same work as kreditku without auth, validation, logs or metrics.
// /healthz answers the same JSON. With FLOOR_DB (a depot's main.db) and FLOOR_LOAN: /loan reads the loan and its
// instalments from SQLite and serialises them, /me reads the loan's borrower; /blocklist inserts one row per request
// into its own WAL database (FLOOR_SCRATCH_DB, synchronous=NORMAL). One prepared statement per query.
import { Database } from "bun:sqlite";

type Handler = (req: Request) => Response | Promise<Response>;
const routes: Record<string, Handler> = { "/healthz": () => Response.json({ status: "ok" }) };
const loanId = process.env.FLOOR_LOAN;
if (process.env.FLOOR_DB && loanId) {
  const db = new Database(process.env.FLOOR_DB, { readonly: true });
  const loan = db.prepare("SELECT * FROM loans WHERE id = ?");
  const inst = db.prepare("SELECT * FROM installments WHERE loan_id = ? ORDER BY seq");
  const user = db.prepare("SELECT id, role, phone, email, display_name, created_at FROM users WHERE id = ?");
  const userId = (loan.get(loanId) as { user_id: string }).user_id;
  routes["/loan"] = () => Response.json({ ...(loan.get(loanId) as object), schedule: inst.all(loanId) });
  routes["/me"] = () => Response.json(user.get(userId));
}
if (process.env.FLOOR_SCRATCH_DB) {
  const w = new Database(process.env.FLOOR_SCRATCH_DB, { create: true });
  w.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE IF NOT EXISTS blocklist (id TEXT PRIMARY KEY, kind TEXT, value TEXT, reason TEXT, created_at TEXT)");
  const ins = w.prepare("INSERT INTO blocklist (id, kind, value, reason, created_at) VALUES (?, ?, ?, ?, ?)");
  routes["/blocklist"] = async (req) => {
    const b = (await req.json()) as { kind: string; value: string; reason: string };
    const id = `bl_${crypto.randomUUID()}`;
    const at = new Date().toISOString();
    ins.run(id, b.kind, b.value, b.reason, at);
    return Response.json({ id, kind: b.kind, value: b.value, reason: b.reason, createdAt: at }, { status: 201 });
  };
}
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (req) => {
    // any other path answers the /healthz JSON (bench/webhooks' floor: the same signed requests, nothing done)
    const h = routes[new URL(req.url).pathname] ?? routes["/healthz"];
    return h(req);
  },
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
