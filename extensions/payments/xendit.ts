// The `xendit` gateway adapter, through Xendit's official SDK (xendit-node v7; its xenditURL points it at a local fake
// in the tests). Repayments: one fixed, reusable virtual account per loan (Payment Methods API, type VIRTUAL_ACCOUNT,
// reusability MULTIPLE_USE, reference_id = the loan id, so asking again returns the same account). Disbursements:
// Payouts API with Xendit's idempotency key = our disbursement reference (also its reference_id); a key Xendit has
// seen before answers DUPLICATE_ERROR, and the adapter then answers the payout Xendit already holds. Reconciliation:
// the payouts by reference_id (getDisbursement) and the payments of every loan's VA over a window (listPayments).
// Callbacks (`payment.succeeded`, `payout.succeeded`/`payout.failed`, token in `x-callback-token`) arrive at
// /webhooks/payments/xendit and /webhooks/disbursements/xendit and are parsed in ./verify.ts.
// Every call is bounded (xenditTimeoutMs); an SDK error becomes a XenditError naming the call, HTTP status and
// Xendit's error_code, never the secret key: the disburse job retries it, then marks the disbursement
// needs_attention, and the virtual-account job retries it like any other job.
import type { Xendit } from "xendit-node";

/** The SDK, required on first use: a server whose gateway is not xendit never evaluates it (it is large). */
const sdk = () => require("xendit-node") as typeof import("xendit-node");
import type { DisbursementRequest, GatewayDisbursement, GatewayPayment, PaymentGateway, VirtualAccount } from "./gateway.ts";

export interface XenditGatewayOptions {
  /** The secret API key, read at each call (a rotated key is used without a restart). */
  secretKey: () => string;
  /** API base URL (default https://api.xendit.co). */
  xenditUrl?: string;
  /** Bank of the loans' virtual accounts (Xendit VA channel code, e.g. BNI, BRI, MANDIRI). */
  vaChannel: string;
  timeoutMs: number;
}

/** A failed Xendit call: the call, the HTTP status and Xendit's error code (never the request's secrets). */
export class XenditError extends Error {
  constructor(
    readonly call: string,
    readonly status: number | null,
    readonly errorCode: string | null,
    message: string,
  ) {
    super(`xendit ${call}: ${status ?? "no answer"}${errorCode ? ` ${errorCode}` : ""}: ${message}`.slice(0, 400));
    this.name = "XenditError";
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const iso = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === "string" ? v : undefined);

/** Our bank codes (BCA, BNI, …) as Xendit payout channel codes (ID_BCA, …). */
export const payoutChannel = (bankCode: string) => (bankCode.startsWith("ID_") ? bankCode : `ID_${bankCode.toUpperCase()}`);

/** Xendit payout status → our view of a disbursement. */
export function payoutStatus(s: unknown): GatewayDisbursement["status"] {
  if (s === "SUCCEEDED") return "succeeded";
  if (s === "FAILED" || s === "CANCELLED" || s === "REVERSED") return "failed";
  return "pending"; // ACCEPTED, REQUESTED, LOCKED
}

export class XenditGateway implements PaymentGateway {
  readonly kind = "xendit";
  readonly provider = "xendit" as const;
  private client: { key: string; x: Xendit } | null = null;

  constructor(private readonly opts: XenditGatewayOptions) {}

  /** The SDK client for the current secret key (made again when the key was rotated). */
  private get x(): Xendit {
    const key = this.opts.secretKey();
    if (!key) throw new XenditError("configure", null, null, "no secret key (KREDITKU_XENDIT_SECRET_KEY or depot/secrets/xendit-secret-key)");
    if (this.client?.key !== key) this.client = { key, x: new (sdk().Xendit)({ secretKey: key, ...(this.opts.xenditUrl ? { xenditURL: this.opts.xenditUrl.replace(/\/$/, "") } : {}) }) };
    return this.client.x;
  }

  /** One SDK call, bounded, its errors named. */
  private async call<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new XenditError(name, null, "TIMEOUT", `no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (e) {
      if (e instanceof XenditError) throw e;
      if (e instanceof sdk().XenditSdkError) throw new XenditError(name, Number(e.status) || null, e.errorCode ? String(e.errorCode) : null, String(e.errorMessage ?? e.message));
      throw new XenditError(name, null, null, (e as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  async createVirtualAccount(input: { loanId: string; name: string }): Promise<VirtualAccount> {
    const existing = await this.call("list payment methods", () => this.x.PaymentMethod.getAllPaymentMethods({ referenceId: input.loanId, type: ["VIRTUAL_ACCOUNT"], limit: 10 }));
    let pm = existing.data.find((m) => m.status === "ACTIVE" && m.virtualAccount?.channelProperties?.virtualAccountNumber);
    if (!pm) {
      pm = await this.call("create payment method", () =>
        this.x.PaymentMethod.createPaymentMethod({
          data: {
            type: "VIRTUAL_ACCOUNT",
            reusability: "MULTIPLE_USE",
            country: "ID",
            referenceId: input.loanId,
            description: `KreditKu loan ${input.loanId}`,
            virtualAccount: { channelCode: this.opts.vaChannel as never, currency: "IDR", channelProperties: { customerName: input.name.slice(0, 40) } },
          },
        }),
      );
    }
    const vaNumber = pm.virtualAccount?.channelProperties?.virtualAccountNumber;
    if (!vaNumber) throw new XenditError("create payment method", null, null, `payment method ${pm.id} has no virtual account number`);
    return { vaNumber, bankCode: String(pm.virtualAccount?.channelCode ?? this.opts.vaChannel), name: pm.virtualAccount?.channelProperties?.customerName ?? input.name.slice(0, 40) };
  }

  async requestDisbursement(req: DisbursementRequest): Promise<{ accepted: true; gatewayRef: string }> {
    try {
      const p = await this.call("create payout", () =>
        this.x.Payout.createPayout({
          idempotencyKey: req.reference,
          data: {
            referenceId: req.reference,
            channelCode: payoutChannel(req.bankCode),
            channelProperties: { accountHolderName: req.accountName, accountNumber: req.accountNumber },
            amount: req.amount,
            currency: "IDR",
            description: `KreditKu loan ${req.loanId}`,
          },
        }),
      );
      return { accepted: true, gatewayRef: p.id };
    } catch (e) {
      // The key was used before: the payout exists (a retry after a lost answer). Answer the one Xendit holds.
      if (e instanceof XenditError && e.errorCode === "DUPLICATE_ERROR") {
        const held = await this.payoutsOf(req.reference);
        if (held[0]) return { accepted: true, gatewayRef: String(held[0].id) };
      }
      throw e;
    }
  }

  private async payoutsOf(reference: string): Promise<Json[]> {
    const r = await this.call("list payouts", () => this.x.Payout.getPayouts({ referenceId: reference, limit: 10 }));
    return ((r.data ?? []) as unknown[]).map(obj);
  }

  async getDisbursement(reference: string): Promise<GatewayDisbursement> {
    const held = await this.payoutsOf(reference);
    // The newest payout of the reference decides (one per reference: the idempotency key is the reference).
    const p = held.sort((a, b) => (iso(b.created) ?? "").localeCompare(iso(a.created) ?? ""))[0];
    if (!p) return { reference, status: "unknown" };
    const status = payoutStatus(p.status);
    return {
      reference,
      status,
      amount: typeof p.amount === "number" ? p.amount : undefined,
      ...(status !== "pending" ? { completedAt: iso(p.updated) } : {}),
      ...(typeof p.failureCode === "string" ? { failureCode: p.failureCode } : {}),
    };
  }

  async listPayments(w: { from: Date; to: Date }): Promise<GatewayPayment[]> {
    const out: GatewayPayment[] = [];
    let afterId: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const list = await this.call("list payment methods", () => this.x.PaymentMethod.getAllPaymentMethods({ type: ["VIRTUAL_ACCOUNT"], reusability: "MULTIPLE_USE", limit: 100, ...(afterId ? { afterId } : {}) }));
      for (const pm of list.data) {
        const vaNumber = pm.virtualAccount?.channelProperties?.virtualAccountNumber;
        if (!vaNumber) continue;
        const r = obj(
          await this.call("list payments", () =>
            this.x.PaymentMethod.getPaymentsByPaymentMethodId({ paymentMethodId: pm.id, status: ["SUCCEEDED"], createdGte: w.from, createdLte: w.to, limit: 100 }),
          ),
        );
        for (const raw of Array.isArray(r.data) ? r.data : []) {
          const p = obj(raw);
          const created = iso(p.created);
          if (created && (new Date(created) < w.from || new Date(created) >= w.to)) continue;
          // The row as received (typed loosely): reconciliation validates each one like a webhook payload.
          out.push({ paymentId: p.id as string, vaNumber, amount: p.amount as number, currency: p.currency as string, paidAt: (iso(p.updated) ?? created) as string });
        }
      }
      if (!list.hasMore || list.data.length === 0) break;
      afterId = list.data[list.data.length - 1].id;
    }
    return out;
  }
}
