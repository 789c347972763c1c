// The floor: a bare Bun.serve doing the same work as kreditku without auth, validation, logs or metrics.
// /healthz answers the same JSON. With FLOOR_DB (a depot's main.db) and FLOOR_LOAN: /loan reads the loan and its
// instalments from SQLite and serialises them, /me reads the loan's borrower; /blocklist inserts one row per request
// into its own WAL database (FLOOR_SCRATCH_DB, synchronous=NORMAL). With FLOOR_WEBHOOK_SECRET too, a payment
// webhook is verified (Standard Webhooks HMAC-SHA256 over id.timestamp.body, 5-minute window) and, in one write
// transaction, its event inserted under a unique key, the payment row written and a balanced two-line journal
// posted; a duplicate event answers 200 without effect. One prepared statement per query.
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
const webhookSecret = process.env.FLOOR_WEBHOOK_SECRET;
if (process.env.FLOOR_SCRATCH_DB && webhookSecret) {
  const w = new Database(process.env.FLOOR_SCRATCH_DB, { create: true });
  w.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
    CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, body TEXT NOT NULL, received_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS payments (id TEXT PRIMARY KEY, va TEXT NOT NULL, amount INTEGER NOT NULL, paid_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS journals (id INTEGER PRIMARY KEY, ref TEXT NOT NULL, total INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS lines (journal_id INTEGER NOT NULL, account TEXT NOT NULL, debit INTEGER NOT NULL, credit INTEGER NOT NULL);`);
  const key = Buffer.from(webhookSecret.replace(/^whsec_/, ""), "base64");
  const insEvent = w.prepare("INSERT INTO events (event_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
  const insPayment = w.prepare("INSERT INTO payments (id, va, amount, paid_at) VALUES (?, ?, ?, ?)");
  const insJournal = w.prepare("INSERT INTO journals (ref, total) VALUES (?, ?)");
  const insLine = w.prepare("INSERT INTO lines (journal_id, account, debit, credit) VALUES (?, ?, ?, ?)");
  const apply = w.transaction((id: string, raw: string, d: { payment_id: string; va_number: string; amount: number; paid_at: string }) => {
    if (insEvent.run(id, raw, new Date().toISOString()).changes === 0) return false;
    insPayment.run(d.payment_id, d.va_number, d.amount, d.paid_at);
    const j = insJournal.run(d.payment_id, d.amount).lastInsertRowid;
    insLine.run(j, "cash", d.amount, 0);
    insLine.run(j, "principal_receivable", 0, d.amount);
    return true;
  });
  routes["/webhooks/payments/standard"] = async (req) => {
    const raw = await req.text();
    const id = req.headers.get("webhook-id") ?? "";
    const ts = req.headers.get("webhook-timestamp") ?? "";
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return Response.json({ error: "stale" }, { status: 401 });
    const mac = new Bun.CryptoHasher("sha256", key).update(`${id}.${ts}.${raw}`).digest("base64");
    const given = (req.headers.get("webhook-signature") ?? "").split(" ").map((s) => s.split(",")[1]);
    if (!given.includes(mac)) return Response.json({ error: "signature" }, { status: 401 });
    const body = JSON.parse(raw) as { data: { payment_id: string; va_number: string; amount: number; paid_at: string } };
    const applied = apply(id, raw, body.data);
    return Response.json({ received: true, duplicate: !applied });
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
