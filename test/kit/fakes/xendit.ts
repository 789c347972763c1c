// A fake Xendit API on 127.0.0.1 for the xendit gateway adapter (the official SDK is pointed at it with xenditURL).
// It speaks Xendit's protocol for the endpoints the adapter calls — Basic auth with the secret key, snake_case fields,
// Xendit's status values, error bodies {error_code, message} — and sends callbacks with `x-callback-token`:
//   POST /v2/payment_methods                  VIRTUAL_ACCOUNT, MULTIPLE_USE → an ACTIVE method with its VA number
//   GET  /v2/payment_methods?reference_id=…   list ({data, has_more}); /v2/payment_methods/{id}/payments its payments
//   POST /v2/payouts (idempotency-key)        ACCEPTED; a key used before → 409 DUPLICATE_ERROR
//   GET  /v2/payouts?reference_id=…, /v2/payouts/{id}
// Switches: failNext (answer 4xx/5xx with an error body), slowMs (answer late), duplicateNext (create the payout but
// answer DUPLICATE_ERROR, as when the first answer was lost), payout outcomes (succeed, fail, or hold), dropped
// callbacks (the callback never arrives).
import { randomUUID } from "node:crypto";

export interface FakePayout {
  id: string;
  reference_id: string;
  business_id: string;
  channel_code: string;
  channel_properties: { account_holder_name: string; account_number: string };
  amount: number;
  currency: string;
  description?: string;
  status: "ACCEPTED" | "REQUESTED" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "REVERSED";
  failure_code?: string;
  created: string;
  updated: string;
  idempotency_key: string;
}

export interface FakePaymentMethod {
  id: string;
  business_id: string;
  type: "VIRTUAL_ACCOUNT";
  country: "ID";
  reference_id: string;
  description: string | null;
  status: "ACTIVE";
  reusability: "MULTIPLE_USE";
  customer_id: null;
  metadata: null;
  created: string;
  updated: string;
  virtual_account: { channel_code: string; currency: string; amount: null; channel_properties: { customer_name: string; virtual_account_number: string } };
}

export interface FakePayment {
  id: string;
  payment_method_id: string;
  reference_id: string;
  business_id: string;
  amount: number;
  currency: string;
  status: "SUCCEEDED";
  created: string;
  updated: string;
}

export interface XenditFakeOptions {
  secretKey: string;
  callbackToken: string;
  /** Where callbacks go (the server's base URL); without it they are kept in `undelivered`. */
  callbackBase?: string;
  /** What a payout comes to after payoutDelayMs: SUCCEEDED (default), FAILED, or held (ACCEPTED until settled by hand). */
  payoutOutcome?: "SUCCEEDED" | "FAILED" | "HOLD";
  payoutDelayMs?: number;
}

const BUSINESS = "5f27a14a9bf05c73dd040bc8";

export class XenditFake {
  readonly methods = new Map<string, FakePaymentMethod>();
  readonly payments: FakePayment[] = [];
  readonly payouts = new Map<string, FakePayout>();
  readonly calls: { method: string; path: string; status: number }[] = [];
  readonly callbacks: { path: string; status: number | null; event: string }[] = [];
  /** Answer the next n API calls (optionally only those whose path starts with `path`) with this status and error. */
  failNext: { n: number; status: number; error_code: string; message: string; path?: string } | null = null;
  /** Answer every API call after this long. */
  slowMs = 0;
  /** Create the next payout, but answer 409 DUPLICATE_ERROR (its first answer was "lost"). */
  duplicateNext = false;
  /** Outcome of the next payouts (consumed first), else the options' payoutOutcome. */
  readonly nextPayoutOutcomes: ("SUCCEEDED" | "FAILED" | "HOLD")[] = [];
  /** Callbacks of these kinds are never sent (lost on the way). */
  drop = { payment: false, payout: false };
  private server: ReturnType<typeof Bun.serve> | null = null;
  private readonly timers = new Set<Promise<void>>();
  private vaSeq = 0;

  constructor(readonly opts: XenditFakeOptions) {}

  get url() {
    return `http://127.0.0.1:${this.server!.port}`;
  }

  start(): this {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => this.handle(req) });
    return this;
  }

  async stop() {
    await this.settle();
    this.server?.stop(true);
  }

  /** Wait for every scheduled payout outcome and callback. */
  async settle() {
    while (this.timers.size > 0) await Promise.all([...this.timers]);
  }

  private error(status: number, error_code: string, message: string) {
    return Response.json({ error_code, message }, { status });
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const res = await this.route(req, url);
    this.calls.push({ method: req.method, path: url.pathname, status: res.status });
    return res;
  }

  private async route(req: Request, url: URL): Promise<Response> {
    if (this.slowMs > 0) await Bun.sleep(this.slowMs);
    const auth = req.headers.get("authorization") ?? "";
    if (auth !== `Basic ${btoa(`${this.opts.secretKey}:`)}`) return this.error(401, "INVALID_API_KEY", "API key format is invalid");
    const f = this.failNext;
    if (f && f.n > 0 && (!f.path || url.pathname.startsWith(f.path))) {
      f.n--;
      return this.error(f.status, f.error_code, f.message);
    }
    const now = new Date().toISOString();
    const p = url.pathname;
    if (req.method === "POST" && p === "/v2/payment_methods") {
      const b = (await req.json().catch(() => null)) as any;
      if (!b || b.type !== "VIRTUAL_ACCOUNT" || b.reusability !== "MULTIPLE_USE" || typeof b.virtual_account?.channel_code !== "string" || typeof b.virtual_account?.channel_properties?.customer_name !== "string") {
        return this.error(400, "API_VALIDATION_ERROR", "type, reusability and virtual_account.channel_code, channel_properties.customer_name are required");
      }
      const pm: FakePaymentMethod = {
        id: `pm-${randomUUID()}`,
        business_id: BUSINESS,
        type: "VIRTUAL_ACCOUNT",
        country: "ID",
        reference_id: String(b.reference_id ?? randomUUID()),
        description: b.description ?? null,
        status: "ACTIVE",
        reusability: "MULTIPLE_USE",
        customer_id: null,
        metadata: null,
        created: now,
        updated: now,
        virtual_account: {
          channel_code: b.virtual_account.channel_code,
          currency: b.virtual_account.currency ?? "IDR",
          amount: null,
          channel_properties: { customer_name: b.virtual_account.channel_properties.customer_name, virtual_account_number: `88089${String(++this.vaSeq).padStart(11, "0")}` },
        },
      };
      this.methods.set(pm.id, pm);
      return Response.json(pm, { status: 201 });
    }
    if (req.method === "GET" && p === "/v2/payment_methods") {
      const ref = url.searchParams.get("reference_id");
      const types = url.searchParams.getAll("type");
      const limit = Number(url.searchParams.get("limit") ?? 10);
      const after = url.searchParams.get("after_id");
      let all = [...this.methods.values()].filter((m) => (!ref || m.reference_id === ref) && (types.length === 0 || types.includes(m.type)));
      if (after) all = all.slice(all.findIndex((m) => m.id === after) + 1);
      return Response.json({ data: all.slice(0, limit), has_more: all.length > limit });
    }
    const pays = p.match(/^\/v2\/payment_methods\/([^/]+)\/payments$/);
    if (req.method === "GET" && pays) {
      if (!this.methods.has(pays[1])) return this.error(404, "DATA_NOT_FOUND", "Payment method not found");
      const gte = url.searchParams.get("created[gte]");
      const lte = url.searchParams.get("created[lte]");
      const data = this.payments.filter((x) => x.payment_method_id === pays[1] && (!gte || x.created >= gte) && (!lte || x.created <= lte)).map((x) => this.paymentObject(x));
      return Response.json({ data, has_more: false });
    }
    if (req.method === "POST" && p === "/v2/payouts") {
      const key = req.headers.get("idempotency-key");
      if (!key) return this.error(400, "API_VALIDATION_ERROR", "idempotency-key header is required");
      if ([...this.payouts.values()].some((x) => x.idempotency_key === key)) return this.error(409, "DUPLICATE_ERROR", "Idempotency key has been used before. Use a unique idempotency key and try again");
      const b = (await req.json().catch(() => null)) as any;
      if (!b || typeof b.reference_id !== "string" || typeof b.channel_code !== "string" || !Number.isFinite(b.amount) || b.amount <= 0 || b.currency !== "IDR" || typeof b.channel_properties?.account_number !== "string") {
        return this.error(400, "API_VALIDATION_ERROR", "reference_id, channel_code, channel_properties.account_number, amount and currency are required");
      }
      const po: FakePayout = {
        id: `disb-${randomUUID()}`,
        reference_id: b.reference_id,
        business_id: BUSINESS,
        channel_code: b.channel_code,
        channel_properties: { account_holder_name: b.channel_properties.account_holder_name, account_number: b.channel_properties.account_number },
        amount: b.amount,
        currency: "IDR",
        description: b.description,
        status: "ACCEPTED",
        created: now,
        updated: now,
        idempotency_key: key,
      };
      this.payouts.set(po.id, po);
      const outcome = this.nextPayoutOutcomes.shift() ?? this.opts.payoutOutcome ?? "SUCCEEDED";
      if (outcome !== "HOLD") this.later(this.opts.payoutDelayMs ?? 30, () => this.settlePayout(po.id, outcome));
      if (this.duplicateNext) {
        this.duplicateNext = false;
        return this.error(409, "DUPLICATE_ERROR", "Idempotency key has been used before. Use a unique idempotency key and try again");
      }
      return Response.json(this.payoutObject(po));
    }
    if (req.method === "GET" && p === "/v2/payouts") {
      const ref = url.searchParams.get("reference_id");
      if (!ref) return this.error(400, "API_VALIDATION_ERROR", "reference_id is required");
      return Response.json({ data: [...this.payouts.values()].filter((x) => x.reference_id === ref).map((x) => this.payoutObject(x)), has_more: false });
    }
    const one = p.match(/^\/v2\/payouts\/([^/]+)$/);
    if (req.method === "GET" && one) {
      const po = this.payouts.get(one[1]);
      return po ? Response.json(this.payoutObject(po)) : this.error(404, "DATA_NOT_FOUND", "Payout not found");
    }
    return this.error(404, "NOT_FOUND", `no route ${req.method} ${p}`);
  }

  private payoutObject(po: FakePayout) {
    const { idempotency_key: _k, ...rest } = po;
    return rest;
  }

  private paymentObject(x: FakePayment) {
    const pm = this.methods.get(x.payment_method_id)!;
    return { id: x.id, payment_request_id: null, reference_id: x.reference_id, business_id: x.business_id, customer_id: null, currency: x.currency, amount: x.amount, country: "ID", status: x.status, payment_method: pm, channel_properties: null, created: x.created, updated: x.updated, metadata: null };
  }

  private later(ms: number, fn: () => Promise<void>) {
    const p = new Promise<void>((resolve) => setTimeout(() => fn().catch(() => undefined).finally(resolve), ms));
    this.timers.add(p);
    p.finally(() => this.timers.delete(p));
  }

  /** Settle a payout (SUCCEEDED or FAILED) and send its callback (unless dropped). */
  async settlePayout(id: string, status: "SUCCEEDED" | "FAILED", failureCode = "INVALID_DESTINATION") {
    const po = this.payouts.get(id)!;
    po.status = status;
    po.updated = new Date().toISOString();
    if (status === "FAILED") po.failure_code = failureCode;
    if (!this.drop.payout) await this.callback("/webhooks/disbursements/xendit", { event: status === "SUCCEEDED" ? "payout.succeeded" : "payout.failed", business_id: BUSINESS, created: po.updated, data: this.payoutObject(po) });
  }

  /** A borrower pays into a VA: the payment is recorded and its `payment.succeeded` callback sent (unless dropped). */
  async pay(vaNumber: string, amount: number): Promise<FakePayment> {
    const pm = [...this.methods.values()].find((m) => m.virtual_account.channel_properties.virtual_account_number === vaNumber);
    if (!pm) throw new Error(`fake xendit: no VA ${vaNumber}`);
    const now = new Date().toISOString();
    const x: FakePayment = { id: `py-${randomUUID()}`, payment_method_id: pm.id, reference_id: pm.reference_id, business_id: BUSINESS, amount, currency: "IDR", status: "SUCCEEDED", created: now, updated: now };
    this.payments.push(x);
    if (!this.drop.payment) await this.callback("/webhooks/payments/xendit", { event: "payment.succeeded", business_id: BUSINESS, created: now, data: this.paymentObject(x) });
    return x;
  }

  private async callback(path: string, body: { event: string } & Record<string, unknown>) {
    if (!this.opts.callbackBase) {
      this.callbacks.push({ path, status: null, event: body.event });
      return;
    }
    try {
      const res = await fetch(this.opts.callbackBase.replace(/\/$/, "") + path, { method: "POST", headers: { "content-type": "application/json", "x-callback-token": this.opts.callbackToken }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      this.callbacks.push({ path, status: res.status, event: body.event });
    } catch {
      this.callbacks.push({ path, status: null, event: body.event });
    }
  }
}

export function startXenditFake(opts: XenditFakeOptions): XenditFake {
  return new XenditFake(opts).start();
}
