// The payment-gateway port (DESIGN §4 "Money movement"). The payments extension provides one adapter under the port
// name "payments.gateway" (built on first use from its settings, ./webhooks.ts createGateway); the `sandbox` adapter (sandbox.ts) behaves like a real gateway so the whole flow runs locally.
// Real provider adapters implement the same interface and share the webhook verification code in verify.ts.
import type { Provider } from "./verify.ts";

export const GATEWAY_PORT = "payments.gateway";

export interface VirtualAccount {
  vaNumber: string;
  bankCode: string;
  name: string;
}

export interface DisbursementRequest {
  /** Our reference (disbursement id + attempt): the gateway's idempotency key, echoed in its webhook. */
  reference: string;
  loanId: string;
  amount: number;
  bankCode: string;
  accountNumber: string;
  accountName: string;
}

export interface GatewayPayment {
  paymentId: string;
  vaNumber: string;
  amount: number;
  currency: string;
  paidAt: string;
}

/** What the gateway knows of one disbursement request (the status query behind disbursement reconciliation). */
export interface GatewayDisbursement {
  reference: string;
  /** pending: accepted, not settled yet; unknown: the gateway has no request with this reference. */
  status: "pending" | "succeeded" | "failed" | "unknown";
  amount?: number;
  completedAt?: string;
  failureCode?: string;
}

export interface PaymentGateway {
  /** Which webhook provider format this gateway speaks (its webhooks arrive at /webhooks/…/:provider). */
  readonly provider: Provider;
  readonly kind: string;
  /** Assign (or return the existing) repayment VA for a loan. Idempotent per loan. */
  createVirtualAccount(input: { loanId: string; name: string }): Promise<VirtualAccount>;
  /** Ask the gateway to send money. Idempotent per reference; the outcome arrives later by webhook. */
  requestDisbursement(req: DisbursementRequest): Promise<{ accepted: true; gatewayRef: string }>;
  /** Payments received in [from, to) — used by reconciliation to catch webhooks that never arrived. */
  listPayments(window: { from: Date; to: Date }): Promise<GatewayPayment[]>;
  /** The status of a disbursement request by our reference — used to settle one whose webhook never arrived. */
  getDisbursement(reference: string): Promise<GatewayDisbursement>;
}

/** A gateway the server reaches over HTTP (the sandbox simulator, scripts/simulate-gateway.ts, speaks this). */
export class HttpGateway implements PaymentGateway {
  readonly kind = "http";
  constructor(
    readonly baseUrl: string,
    readonly provider: Provider,
    private readonly callbackBase?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.baseUrl.replace(/\/$/, "") + path, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`gateway ${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  }

  createVirtualAccount(input: { loanId: string; name: string }) {
    return this.call<VirtualAccount>("POST", "/v1/virtual-accounts", input);
  }
  requestDisbursement(req: DisbursementRequest) {
    return this.call<{ accepted: true; gatewayRef: string }>("POST", "/v1/disbursements", { ...req, callbackBase: this.callbackBase });
  }
  getDisbursement(reference: string) {
    return this.call<GatewayDisbursement>("GET", `/v1/disbursements/${encodeURIComponent(reference)}`);
  }
  async listPayments(w: { from: Date; to: Date }) {
    const r = await this.call<{ payments: GatewayPayment[] }>("GET", `/v1/payments?from=${encodeURIComponent(w.from.toISOString())}&to=${encodeURIComponent(w.to.toISOString())}`);
    return r.payments;
  }
}
