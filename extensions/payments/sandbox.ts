// The `sandbox` gateway adapter: behaves like a real gateway without leaving the machine. It assigns VA numbers,
// accepts disbursement requests and later delivers signed webhooks (standard | snap | xendit format) to the
// configured callback base URL — with duplicates, out-of-order and delayed deliveries on request. It runs inside
// the server (default adapter) or behind HTTP in scripts/simulate-gateway.ts (tests and local development).
import { createHash, randomUUID } from "node:crypto";
import type { DisbursementRequest, GatewayDisbursement, GatewayPayment, PaymentGateway, VirtualAccount } from "./gateway.ts";
import { signSnap, signStandard, snapTimestamp, type Provider, type WebhookKind } from "./verify.ts";

export interface SignedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Build a signed webhook request exactly as the provider would send it. */
export function signedWebhook(provider: Provider, secret: string, kind: WebhookKind, payload: Record<string, unknown>, opts: { eventId?: string; now?: Date } = {}): SignedWebhook {
  const now = opts.now ?? new Date();
  const path = `/webhooks/${kind === "payment" ? "payments" : "disbursements"}/${provider}`;
  const body = JSON.stringify(payload);
  if (provider === "standard") {
    const id = opts.eventId ?? `msg_${randomUUID()}`;
    const ts = Math.floor(now.getTime() / 1000);
    return { path, body, headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signStandard(secret, id, ts, body) } };
  }
  if (provider === "snap") {
    const ts = snapTimestamp(now);
    return {
      path,
      body,
      headers: {
        "content-type": "application/json",
        "x-timestamp": ts,
        "x-signature": signSnap(secret, "POST", path, body, ts),
        "x-external-id": opts.eventId ?? String(Date.now()) + String(Math.floor(Math.random() * 1e6)).padStart(6, "0"),
        "x-partner-id": "KREDITKU",
        "channel-id": "95231",
      },
    };
  }
  return { path, body, headers: { "content-type": "application/json", "x-callback-token": secret } };
}

/** Provider payload of a VA payment notification. */
export function paymentPayload(provider: Provider, p: GatewayPayment): Record<string, unknown> {
  if (provider === "standard") {
    return { type: "payment.succeeded", timestamp: p.paidAt, data: { payment_id: p.paymentId, va_number: p.vaNumber, amount: p.amount, currency: p.currency, paid_at: p.paidAt } };
  }
  if (provider === "snap") {
    return {
      partnerServiceId: "   88080",
      customerNo: p.vaNumber.slice(5),
      virtualAccountNo: p.vaNumber,
      virtualAccountName: "KREDITKU",
      paymentRequestId: p.paymentId,
      paidAmount: { value: `${p.amount}.00`, currency: p.currency },
      trxDateTime: snapTimestamp(new Date(p.paidAt)),
    };
  }
  return {
    id: `fvap_${p.paymentId}`,
    payment_id: p.paymentId,
    callback_virtual_account_id: `cva_${p.vaNumber}`,
    external_id: p.vaNumber,
    account_number: p.vaNumber,
    bank_code: "BNI",
    merchant_code: "88080",
    amount: p.amount,
    currency: p.currency,
    transaction_timestamp: p.paidAt,
  };
}

export interface DisbursementOutcome {
  reference: string;
  status: "succeeded" | "failed";
  amount: number;
  completedAt: string;
  failureCode?: string;
}

export function disbursementPayload(provider: Provider, o: DisbursementOutcome): Record<string, unknown> {
  if (provider === "standard") {
    return {
      type: o.status === "succeeded" ? "disbursement.succeeded" : "disbursement.failed",
      timestamp: o.completedAt,
      data: { reference: o.reference, amount: o.amount, completed_at: o.completedAt, ...(o.failureCode ? { failure_code: o.failureCode } : {}) },
    };
  }
  if (provider === "snap") {
    return {
      originalPartnerReferenceNo: o.reference,
      latestTransactionStatus: o.status === "succeeded" ? "00" : "06",
      latestTransactionStatusDesc: o.failureCode ?? (o.status === "succeeded" ? "Success" : "Failed"),
      amount: { value: `${o.amount}.00`, currency: "IDR" },
      transactionDate: snapTimestamp(new Date(o.completedAt)),
    };
  }
  return { id: `disb_${o.reference}`, external_id: o.reference, amount: o.amount, status: o.status === "succeeded" ? "COMPLETED" : "FAILED", updated: o.completedAt, ...(o.failureCode ? { failure_code: o.failureCode } : {}) };
}

export interface DeliveryOptions {
  /** Send the same event this many extra times (same event id). */
  duplicates?: number;
  /** Deliver after this many milliseconds. */
  delayMs?: number;
  /** Send all copies at once instead of one after another. */
  concurrent?: boolean;
  /** Never deliver (the gateway "lost" the webhook; reconciliation must find it). */
  drop?: boolean;
}

export interface SandboxOptions {
  provider?: Provider;
  /** Secret used to sign webhooks (the first secret the server accepts for this provider). */
  secret: string;
  /** Where the server listens, e.g. http://127.0.0.1:4000. Without it, webhooks are kept in `undelivered`. */
  callbackBase?: string;
  /** Delay before a disbursement outcome is delivered. */
  disbursementDelayMs?: number;
  now?: () => Date;
  /**
   * How a signed webhook reaches the server when there is no callbackBase (the server's own app in process); it
   * answers the HTTP status. Without either, webhooks are kept in `undelivered`.
   */
  deliver?: (req: SignedWebhook) => Promise<number>;
}

export interface DeliveryRecord {
  path: string;
  status: number | null;
  error?: string;
  at: string;
}

export class SandboxGateway implements PaymentGateway {
  readonly kind = "sandbox";
  readonly provider: Provider;
  callbackBase?: string;
  disbursementDelayMs: number;
  /** Failures to produce for the next disbursement requests (per loan id or "*" for any). */
  readonly failNext = new Map<string, number>();
  readonly vas = new Map<string, VirtualAccount & { loanId: string }>();
  readonly payments: GatewayPayment[] = [];
  readonly disbursements = new Map<string, DisbursementRequest & { outcome?: DisbursementOutcome }>();
  readonly deliveries: DeliveryRecord[] = [];
  readonly undelivered: SignedWebhook[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly now: () => Date;

  constructor(private readonly opts: SandboxOptions) {
    this.provider = opts.provider ?? "standard";
    this.callbackBase = opts.callbackBase;
    this.disbursementDelayMs = opts.disbursementDelayMs ?? 50;
    this.now = opts.now ?? (() => new Date());
  }

  async createVirtualAccount(input: { loanId: string; name: string }): Promise<VirtualAccount> {
    const existing = this.vas.get(input.loanId);
    if (existing) return { vaNumber: existing.vaNumber, bankCode: existing.bankCode, name: existing.name };
    // Deterministic per loan (a real gateway keeps its own table): 8808 + 12 digits from the loan id.
    const digits = BigInt("0x" + createHash("sha256").update(input.loanId).digest("hex").slice(0, 15)) % 10n ** 12n;
    const va = { loanId: input.loanId, vaNumber: `8808${digits.toString().padStart(12, "0")}`, bankCode: "BNI", name: input.name.slice(0, 40) };
    this.vas.set(input.loanId, va);
    return { vaNumber: va.vaNumber, bankCode: va.bankCode, name: va.name };
  }

  async requestDisbursement(req: DisbursementRequest): Promise<{ accepted: true; gatewayRef: string }> {
    if (!Number.isSafeInteger(req.amount) || req.amount <= 0) throw new Error("sandbox: amount must be a positive integer");
    const gatewayRef = `sbx_${createHash("sha256").update(req.reference).digest("hex").slice(0, 16)}`;
    if (this.disbursements.has(req.reference)) return { accepted: true, gatewayRef }; // idempotent per reference
    this.disbursements.set(req.reference, { ...req });
    const fail = this.takeFailure(req.loanId);
    this.later(this.disbursementDelayMs, async () => {
      const outcome: DisbursementOutcome = { reference: req.reference, status: fail ? "failed" : "succeeded", amount: req.amount, completedAt: this.now().toISOString(), ...(fail ? { failureCode: "RECEIVER_BANK_REJECTED" } : {}) };
      this.disbursements.get(req.reference)!.outcome = outcome;
      await this.sendDisbursementOutcome(outcome);
    });
    return { accepted: true, gatewayRef };
  }

  private takeFailure(loanId: string): boolean {
    for (const k of [loanId, "*"]) {
      const n = this.failNext.get(k) ?? 0;
      if (n > 0) {
        this.failNext.set(k, n - 1);
        return true;
      }
    }
    return false;
  }

  async getDisbursement(reference: string): Promise<GatewayDisbursement> {
    const d = this.disbursements.get(reference);
    if (!d) return { reference, status: "unknown" };
    if (!d.outcome) return { reference, status: "pending", amount: d.amount };
    const o = d.outcome;
    return { reference, status: o.status, amount: o.amount, completedAt: o.completedAt, ...(o.failureCode ? { failureCode: o.failureCode } : {}) };
  }

  async listPayments(w: { from: Date; to: Date }): Promise<GatewayPayment[]> {
    return this.payments.filter((p) => {
      const t = new Date(p.paidAt).getTime();
      return t >= w.from.getTime() && t < w.to.getTime();
    });
  }

  /** Simulate a borrower paying into a VA. The webhook goes out per `delivery`. */
  async pay(input: { vaNumber: string; amount: number; paidAt?: string; paymentId?: string; currency?: string }, delivery: DeliveryOptions = {}): Promise<GatewayPayment> {
    const p: GatewayPayment = {
      paymentId: input.paymentId ?? `pay_${randomUUID()}`,
      vaNumber: input.vaNumber,
      amount: input.amount,
      currency: input.currency ?? "IDR",
      paidAt: input.paidAt ?? this.now().toISOString(),
    };
    this.payments.push(p);
    if (!delivery.drop) await this.deliverEvent("payment", paymentPayload(this.provider, p), delivery, `evt_pay_${p.paymentId}`);
    return p;
  }

  async sendDisbursementOutcome(o: DisbursementOutcome, delivery: DeliveryOptions = {}) {
    await this.deliverEvent("disbursement", disbursementPayload(this.provider, o), delivery, `evt_disb_${o.reference}_${o.status}`);
  }

  /** Deliver one event (plus duplicates with the same event id), each copy freshly signed like a real retry. */
  async deliverEvent(kind: WebhookKind, payload: Record<string, unknown>, d: DeliveryOptions, eventId: string) {
    const copies = 1 + (d.duplicates ?? 0);
    const externalId = String(Date.now()).slice(-10) + createHash("sha256").update(eventId).digest("hex").slice(0, 8);
    const send = async () => {
      const req = signedWebhook(this.provider, this.opts.secret, kind, payload, { eventId: this.provider === "snap" ? externalId : eventId, now: this.now() });
      return this.post(req);
    };
    const run = async () => {
      if (d.concurrent) await Promise.all(Array.from({ length: copies }, send));
      else for (let i = 0; i < copies; i++) await send();
    };
    if (d.delayMs && d.delayMs > 0) this.later(d.delayMs, run);
    else await run();
  }

  private async post(req: SignedWebhook) {
    const at = this.now().toISOString();
    if (!this.callbackBase && this.opts.deliver) {
      this.deliveries.push({ path: req.path, status: await this.opts.deliver(req), at });
      return;
    }
    if (!this.callbackBase) {
      this.undelivered.push(req);
      return;
    }
    try {
      const res = await fetch(this.callbackBase.replace(/\/$/, "") + req.path, { method: "POST", headers: req.headers, body: req.body, signal: AbortSignal.timeout(15_000) });
      await res.arrayBuffer();
      this.deliveries.push({ path: req.path, status: res.status, at });
    } catch (e) {
      this.deliveries.push({ path: req.path, status: null, error: (e as Error).message, at });
    }
  }

  private later(ms: number, fn: () => Promise<void>) {
    // a delayed delivery that fails is recorded in `deliveries` by post(); nothing else to do with its error
    const p = new Promise<void>((resolve) => setTimeout(() => fn().catch(() => undefined).finally(resolve), ms));
    this.pending.add(p);
    p.finally(() => this.pending.delete(p));
  }

  /** Wait until every scheduled delivery has been attempted. */
  async settle() {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
