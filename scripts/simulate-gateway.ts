// A local payment-gateway sandbox behind HTTP: what the server's `http` gateway adapter talks to
// (KREDITKU_GATEWAY=http KREDITKU_GATEWAY_URL=http://127.0.0.1:4100). It assigns VAs, accepts disbursements and
// delivers signed webhooks (standard | snap | xendit) to the callback URL — with duplicates, delays, out-of-order
// and dropped deliveries on request. Used by test/payments.e2e.test.ts and for local development:
//
//   bun run scripts/simulate-gateway.ts --port 4100 --callback http://127.0.0.1:4000 --provider standard \
//       --secret whsec_...        (or KREDITKU_WEBHOOK_SECRET_<PROVIDER>)
//
// Control API (besides the gateway API /v1/...):
//   POST /sim/pay {vaNumber, amount, paymentId?, duplicates?, delayMs?, concurrent?, drop?}  → the payment
//   POST /sim/fail-next {loanId?: string, count: number}  → the next disbursements fail
//   POST /sim/config {callbackBase?, disbursementDelayMs?}
//   GET  /sim/state  → VAs, payments, disbursements, deliveries
import { parseArgs } from "node:util";
import { SandboxGateway } from "../extensions/payments/sandbox.ts";
import type { Provider } from "../extensions/payments/verify.ts";

export function startGatewaySimulator(opts: { port?: number; provider?: Provider; secret: string; callbackBase?: string; disbursementDelayMs?: number }) {
  const gw = new SandboxGateway({ provider: opts.provider ?? "standard", secret: opts.secret, callbackBase: opts.callbackBase, disbursementDelayMs: opts.disbursementDelayMs ?? 100 });
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  const server = Bun.serve({
    port: opts.port ?? 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const body = req.method === "POST" ? ((await req.json().catch(() => ({}))) as any) : {};
      try {
        if (req.method === "POST" && url.pathname === "/v1/virtual-accounts") return json(await gw.createVirtualAccount(body));
        if (req.method === "POST" && url.pathname === "/v1/disbursements") return json(await gw.requestDisbursement(body));
        if (req.method === "GET" && url.pathname.startsWith("/v1/disbursements/")) return json(await gw.getDisbursement(decodeURIComponent(url.pathname.slice("/v1/disbursements/".length))));
        if (req.method === "GET" && url.pathname === "/v1/payments") {
          const from = new Date(url.searchParams.get("from") ?? 0);
          const to = new Date(url.searchParams.get("to") ?? Date.now());
          return json({ payments: await gw.listPayments({ from, to }) });
        }
        if (req.method === "POST" && url.pathname === "/sim/pay") {
          const p = await gw.pay({ vaNumber: body.vaNumber, amount: body.amount, paymentId: body.paymentId, paidAt: body.paidAt }, { duplicates: body.duplicates, delayMs: body.delayMs, concurrent: body.concurrent, drop: body.drop });
          return json(p);
        }
        if (req.method === "POST" && url.pathname === "/sim/fail-next") {
          gw.failNext.set(body.loanId ?? "*", Number(body.count ?? 1));
          return json({ ok: true });
        }
        if (req.method === "POST" && url.pathname === "/sim/config") {
          if (body.callbackBase) gw.callbackBase = body.callbackBase;
          if (typeof body.disbursementDelayMs === "number") gw.disbursementDelayMs = body.disbursementDelayMs;
          return json({ ok: true });
        }
        if (req.method === "POST" && url.pathname === "/sim/settle") {
          await gw.settle();
          return json({ ok: true });
        }
        if (req.method === "GET" && url.pathname === "/sim/state") {
          return json({ vas: [...gw.vas.values()], payments: gw.payments, disbursements: [...gw.disbursements.values()], deliveries: gw.deliveries });
        }
        return json({ error: "not found" }, 404);
      } catch (e) {
        return json({ error: (e as Error).message }, 400);
      }
    },
  });
  return { gateway: gw, server, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { port: { type: "string" }, callback: { type: "string" }, provider: { type: "string" }, secret: { type: "string" }, "disbursement-delay-ms": { type: "string" } },
  });
  const provider = (values.provider ?? "standard") as Provider;
  const secret = values.secret ?? process.env[`KREDITKU_WEBHOOK_SECRET_${provider.toUpperCase()}`]?.split(",")[0];
  if (!secret) {
    console.error("simulate-gateway: give --secret or KREDITKU_WEBHOOK_SECRET_<PROVIDER>");
    process.exit(2);
  }
  const sim = startGatewaySimulator({ port: Number(values.port ?? 4100), provider, secret, callbackBase: values.callback ?? "http://127.0.0.1:4000", disbursementDelayMs: Number(values["disbursement-delay-ms"] ?? 500) });
  console.log(JSON.stringify({ msg: "gateway sandbox listening", url: sim.url, provider, callback: sim.gateway.callbackBase }));
}
