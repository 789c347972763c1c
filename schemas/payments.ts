// Zod contracts of money movement: the payments extension's settings, the payloads of its jobs (disburse,
// issue-virtual-account, reconcile-payments), what processing a payment answers (stored with the payment and
// replayed for duplicates), and the API: payoff quote, payments and their resolution, refunds, webhook events,
// disbursements. Money: integer rupiah.
import { safeText, z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, IdParams, pageOf } from "./common.ts";
import { DISBURSEMENT_STATUSES, LOAN_STATUSES, PAYMENT_PROVIDERS, PAYMENT_SOURCES, PAYMENT_STATUSES, WEBHOOK_EVENT_STATUSES, WEBHOOK_KINDS } from "./enums.ts";

export { IdParams };

// ---- settings ----
/** config.json `extensions.payments` (or its environment variables): an invalid value stops start-up. */
export const PaymentSettings = z
  .object({
    /**
     * sandbox: the in-process gateway (default); http: a gateway reached at gatewayUrl (the simulator); xendit: Xendit
     * through its official SDK (secret key KREDITKU_XENDIT_SECRET_KEY or depot/secrets/xendit-secret-key).
     */
    gateway: z.enum(["sandbox", "http", "xendit"]).default("sandbox"),
    /** Xendit API base URL (the SDK's xenditURL; default https://api.xendit.co). */
    xenditUrl: z.string().url().optional(),
    /** Bank of the loans' fixed virtual accounts at Xendit (its VA channel code). */
    xenditVaChannel: z.string().regex(/^[A-Z_]{2,40}$/).default("BNI"),
    /** Bound on each Xendit API call, milliseconds (a bad value keeps 10 s). */
    xenditTimeoutMs: z.coerce.number().int().min(100).max(120_000).catch(10_000).default(10_000),
    /** A disbursement still pending this many minutes after it was sent is asked for at the gateway (a bad value keeps 15). */
    reconcileDisbursementsAfterMinutes: z.coerce.number().positive().catch(15).default(15),
    gatewayUrl: z.string().url().optional(),
    /** The webhook format the gateway speaks (the xendit gateway always speaks xendit). */
    gatewayProvider: z.enum(PAYMENT_PROVIDERS).default("standard"),
    /** Window of the scheduled reconciliation, hours back from now (a bad value keeps 48). */
    reconcileWindowHours: z.coerce.number().positive().catch(48),
    /** Base delay of a failed disbursement's retry, doubling per attempt (a bad value keeps 60 s). */
    disburseRetryMs: z.coerce.number().min(0).catch(60_000),
    /**
     * Who numbers the loans' repayment virtual accounts: gateway (the configured gateway issues them, default) or snap
     * (SNAP BI direct VAs at the lender's bank: this server numbers them as snapPartnerServiceId + customerNo, the
     * bank asks for the amount by inquiry and reports payments to /snap/v1.0/transfer-va/*); payouts stay on the gateway.
     */
    vaIssuer: z.enum(["gateway", "snap"]).default("gateway"),
    /** SNAP partnerServiceId: the company (biller) code the bank assigned, 1–8 digits (sent left-padded with spaces). */
    snapPartnerServiceId: z.string().regex(/^\d{1,8}$/, "1 to 8 digits").optional(),
    /** Digits of each SNAP customerNo: a per-partnerServiceId sequence and one Luhn check digit (6–20). */
    snapCustomerNoDigits: z.coerce.number().int().min(6).max(20).default(12),
    /** The bank of the SNAP VAs, shown with the VA number (e.g. BRI, BNI, MANDIRI). */
    snapVaBank: z.string().regex(/^[A-Z_]{2,40}$/, "an upper-case bank code").optional(),
  })
  .refine((s) => s.gateway !== "http" || !!s.gatewayUrl, { path: ["gatewayUrl"], message: "gateway http needs a gatewayUrl" })
  .refine((s) => s.vaIssuer !== "snap" || !!s.snapPartnerServiceId, { path: ["snapPartnerServiceId"], message: "vaIssuer snap needs the bank-assigned snapPartnerServiceId" })
  .refine((s) => s.vaIssuer !== "snap" || !!s.snapVaBank, { path: ["snapVaBank"], message: "vaIssuer snap needs the bank of the VAs (snapVaBank)" });
export type PaymentSettings = z.infer<typeof PaymentSettings>;

// ---- job payloads ----
/** Payload of `disburse` and `issue-virtual-account`: the loan. */
export const LoanJobPayload = z.object({ loanId: z.string().min(1).max(100) });
export type LoanJobPayload = z.infer<typeof LoanJobPayload>;

/** Payload of `reconcile-payments`: the window (default: the settings' reconcileWindowHours up to now). */
export const ReconcilePayload = z.object({ from: z.string().datetime().optional(), to: z.string().datetime().optional() });
export type ReconcilePayload = z.infer<typeof ReconcilePayload>;

/** Payload of `reconcile-disbursements`: settle pending disbursements older than this many minutes (default: the settings'). */
export const ReconcileDisbursementsPayload = z.object({ olderThanMinutes: z.number().positive().optional() });
export type ReconcileDisbursementsPayload = z.infer<typeof ReconcileDisbursementsPayload>;

/** What a disbursement reconciliation run saw and did. */
export const ReconcileDisbursementsResult = z.object({
  seen: z.number().int(),
  settled: z.number().int(),
  failed: z.number().int(),
  stillPending: z.number().int(),
  needsAttention: z.number().int(),
  errors: z.number().int(),
});
export type ReconcileDisbursementsResult = z.infer<typeof ReconcileDisbursementsResult>;

/** What a reconciliation run saw and did. */
export const ReconcileResult = z.object({ seen: z.number().int(), applied: z.number().int(), needsAttention: z.number().int() });
export type ReconcileResult = z.infer<typeof ReconcileResult>;

// ---- a payment's outcome ----
/** How a payment was spread over the instalments (late fees → fees → interest → principal, oldest first). */
export const PaymentAllocation = z.object({
  lateFeeAmount: z.number().int(),
  feeAmount: z.number().int(),
  interestAmount: z.number().int(),
  principalAmount: z.number().int(),
  /** Left over after every instalment: borrower credit. */
  creditAmount: z.number().int(),
  /** The instalments (seq) it reached. */
  installments: z.array(z.number().int()),
});
export type PaymentAllocation = z.infer<typeof PaymentAllocation>;

/** A report that contradicts the payment first reported under the same provider payment id. */
export const PaymentConflict = z.object({
  /** The payment as first reported (and booked, or held): our id, its provider id, amount, VA and status. */
  paymentId: z.string(),
  providerPaymentId: z.string(),
  amount: z.number().int(),
  vaNumber: z.string(),
  status: z.string(),
  /** Which facts the new report contradicts. */
  differs: z.array(z.enum(["paymentId", "amount", "vaNumber", "currency"])),
  /** What the new report says. */
  reported: z.object({ amount: z.number().int(), vaNumber: z.string(), currency: z.string(), paidAt: z.string() }),
});
export type PaymentConflict = z.infer<typeof PaymentConflict>;

/** What processing a payment answers (the webhook's result, stored with the payment). */
export const PaymentOutcome = z
  .object({
    paymentId: z.string(),
    providerPaymentId: z.string(),
    status: z.enum(PAYMENT_STATUSES),
    loanId: z.string().nullable(),
    amount: z.number().int(),
    reason: z.string().optional(),
    allocation: PaymentAllocation.optional(),
    loanStatus: z.string().optional(),
    outstandingAmount: z.number().int().optional(),
    creditBalanceAmount: z.number().int().optional(),
    payoffAmount: z.number().int().optional(),
    conflict: PaymentConflict.optional(),
  })
  .openapi("PaymentOutcome", {
    example: {
      paymentId: "pay_0193a1b2-0000-7000-8000-0000000000c1",
      providerPaymentId: "pm_20260309_0001",
      status: "applied",
      loanId: EXAMPLE_IDS.loan,
      amount: 110_000,
      allocation: { lateFeeAmount: 0, feeAmount: 0, interestAmount: 10_000, principalAmount: 100_000, creditAmount: 0, installments: [1] },
      loanStatus: "active",
      outstandingAmount: 5_390_000,
      creditBalanceAmount: 0,
      payoffAmount: 5_390_000,
    },
  });
export type PaymentResult = z.infer<typeof PaymentOutcome>;

// ---- payoff ----
export const PayoffQuote = z
  .object({
    loanId: z.string(),
    status: z.enum(LOAN_STATUSES),
    outstandingAmount: z.number().int().openapi({ description: "Everything left to pay, late fees included: the loan's outstandingAmount + lateFeeOutstandingAmount (split in components)" }),
    creditBalanceAmount: z.number().int(),
    payoffAmount: z.number().int().openapi({ description: "What closes the loan today: outstandingAmount minus the credit balance (never below 0)" }),
    components: z.object({ lateFeeAmount: z.number().int(), feeAmount: z.number().int(), interestAmount: z.number().int(), principalAmount: z.number().int() }),
    virtualAccount: z.object({ vaNumber: z.string(), bankCode: z.string() }).nullable(),
    asOf: z.string(),
  })
  .openapi("PayoffQuote", {
    example: {
      loanId: EXAMPLE_IDS.loan,
      status: "active",
      outstandingAmount: 5_390_000,
      creditBalanceAmount: 0,
      payoffAmount: 5_390_000,
      components: { lateFeeAmount: 0, feeAmount: 0, interestAmount: 490_000, principalAmount: 4_900_000 },
      virtualAccount: { vaNumber: "8808123400000001", bankCode: "BCA" },
      asOf: "2026-03-10T03:00:00.000Z",
    },
  });

// ---- payments (staff) ----
const limit = z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 });
const cursor = z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" });

/** Position of a page of payments: the last row's created_at and id (newest first). */
export const PaymentsCursor = z.tuple([z.string().max(40), z.string().max(100)]);

export const PaymentsQuery = z.object({
  limit,
  cursor,
  status: z.enum(PAYMENT_STATUSES).optional().openapi({ example: "needs_attention" }),
  loanId: z.string().max(100).optional(),
});
export type PaymentsQuery = z.infer<typeof PaymentsQuery>;

export const Payment = z
  .object({
    id: z.string(),
    provider: z.enum(PAYMENT_PROVIDERS),
    providerPaymentId: z.string(),
    vaNumber: z.string(),
    loanId: z.string().nullable(),
    amount: z.number().int(),
    paidAt: z.string(),
    status: z.enum(PAYMENT_STATUSES),
    reason: z.string().nullable(),
    source: z.enum(PAYMENT_SOURCES),
    allocation: PaymentAllocation.nullable(),
    unappliedAmount: z.number().int(),
    resolution: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    /** A report contradicting an earlier payment (reason conflicting_resend): that payment's id… */
    conflictOf: z.string().nullable(),
    /** …and its recorded facts beside this report's. */
    conflict: PaymentConflict.nullable(),
    createdAt: z.string(),
  })
  .openapi("Payment");

const paymentExample = {
  id: "pay_0193a1b2-0000-7000-8000-0000000000c1",
  provider: "standard",
  providerPaymentId: "pm_20260309_0001",
  vaNumber: "8808123400000001",
  loanId: EXAMPLE_IDS.loan,
  amount: 110_000,
  paidAt: "2026-03-09T02:15:00.000Z",
  status: "applied",
  reason: null,
  source: "webhook",
  allocation: { lateFeeAmount: 0, feeAmount: 0, interestAmount: 10_000, principalAmount: 100_000, creditAmount: 0, installments: [1] },
  unappliedAmount: 0,
  resolution: null,
  resolvedBy: null,
  resolvedAt: null,
  conflictOf: null,
  conflict: null,
  createdAt: "2026-03-09T02:15:01.000Z",
};

export const PaymentList = pageOf(Payment).openapi("PaymentList", { example: { items: [paymentExample], nextCursor: null } });

/** Resolve a needs_attention payment: apply it to a loan, or record the bank transfer that refunded it. */
export const ResolvePayment = z
  .union([z.object({ loanId: z.string().min(1).max(100) }).strict(), z.object({ refund: z.literal(true), transferReference: safeText({ min: 1, max: 200 }) }).strict()])
  .openapi("ResolvePayment", { example: { loanId: EXAMPLE_IDS.loan } });
export type ResolvePayment = z.infer<typeof ResolvePayment>;

export const ResolvedPayment = PaymentOutcome.extend({ resolution: z.string(), resolvedBy: z.string(), resolvedAt: z.string() }).openapi("ResolvedPayment", {
  example: {
    paymentId: "pay_0193a1b2-0000-7000-8000-0000000000c2",
    providerPaymentId: "pm_20260309_0002",
    status: "applied",
    loanId: EXAMPLE_IDS.loan,
    amount: 110_000,
    allocation: { lateFeeAmount: 0, feeAmount: 0, interestAmount: 10_000, principalAmount: 100_000, creditAmount: 0, installments: [2] },
    loanStatus: "active",
    outstandingAmount: 5_280_000,
    creditBalanceAmount: 0,
    payoffAmount: 5_280_000,
    resolution: `loan:${EXAMPLE_IDS.loan}`,
    resolvedBy: EXAMPLE_IDS.staff,
    resolvedAt: "2026-03-10T04:00:00.000Z",
  },
});

// ---- refunds ----
// A refund records a transfer finance made from the bank (nothing is paid out through the gateway): the transfer's
// reference is required so the cash account can be matched to the bank statement.
export const RefundRequest = z
  .object({
    amount: z.number().int().positive().max(1_000_000_000_000),
    reason: safeText({ max: 500, multiline: true }).optional(),
    transferReference: safeText({ min: 1, max: 200 }),
  })
  .openapi("RefundRequest", { example: { amount: 110_000, reason: "Overpaid the last instalment", transferReference: "BCA-TRF-20260310-0001" } });
export type RefundRequest = z.infer<typeof RefundRequest>;

export const Refund = z
  .object({
    id: z.string(),
    loanId: z.string(),
    amount: z.number().int(),
    reason: z.string().nullable(),
    transferReference: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    creditBalanceAmount: z.number().int().openapi({ description: "The credit balance left after the refund" }),
  })
  .openapi("Refund", {
    example: {
      id: "rfd_0193a1b2-0000-7000-8000-0000000000c9",
      loanId: EXAMPLE_IDS.loan,
      amount: 110_000,
      reason: "Overpaid the last instalment",
      transferReference: "BCA-TRF-20260310-0001",
      createdBy: EXAMPLE_IDS.staff,
      createdAt: "2026-03-10T04:00:00.000Z",
      creditBalanceAmount: 0,
    },
  });

// ---- webhook events ----
/** Position of a page of webhook events: the last row's id. */
export const WebhookEventsCursor = z.number().int().min(0);

export const WebhookEventsQuery = z.object({ limit, cursor, status: z.enum(WEBHOOK_EVENT_STATUSES).optional().openapi({ example: "failed" }) });
export type WebhookEventsQuery = z.infer<typeof WebhookEventsQuery>;

export const WebhookEvent = z
  .object({
    id: z.number().int(),
    provider: z.string(),
    kind: z.enum(WEBHOOK_KINDS),
    eventId: z.string().nullable(),
    verified: z.boolean(),
    status: z.enum(WEBHOOK_EVENT_STATUSES),
    failureReason: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    attempts: z.number().int(),
    receivedAt: z.string(),
    updatedAt: z.string(),
    /** A failed, verified event can be replayed. */
    replayable: z.boolean(),
  })
  .openapi("WebhookEvent");

export const WebhookEventList = pageOf(WebhookEvent).openapi("WebhookEventList", {
  example: {
    items: [
      {
        id: 42,
        provider: "standard",
        kind: "payment",
        eventId: "msg_2f9c1d",
        verified: true,
        status: "applied",
        failureReason: null,
        result: { paymentId: "pay_0193a1b2-0000-7000-8000-0000000000c1", status: "applied", amount: 110_000 },
        attempts: 1,
        receivedAt: "2026-03-09T02:15:01.000Z",
        updatedAt: "2026-03-09T02:15:01.000Z",
        replayable: false,
      },
    ],
    nextCursor: null,
  },
});

export const WebhookEventParams = z.object({ id: z.string().regex(/^\d{1,15}$/).openapi({ param: { name: "id", in: "path" }, example: "42" }) });
export type WebhookEventParams = z.infer<typeof WebhookEventParams>;

export const ReplayResult = z
  .object({ id: z.number().int(), status: z.enum(WEBHOOK_EVENT_STATUSES), result: z.record(z.string(), z.unknown()) })
  .openapi("WebhookReplayResult", { example: { id: 42, status: "applied", result: { paymentId: "pay_0193a1b2-0000-7000-8000-0000000000c1", status: "applied", amount: 110_000 } } });

// ---- disbursements ----
export const DisbursementsQuery = z.object({ limit, status: z.enum(DISBURSEMENT_STATUSES).optional().openapi({ example: "needs_attention" }) });
export type DisbursementsQuery = z.infer<typeof DisbursementsQuery>;

export const Disbursement = z
  .object({
    id: z.string(),
    loanId: z.string(),
    principalAmount: z.number().int(),
    feeAmount: z.number().int(),
    netAmount: z.number().int(),
    status: z.enum(DISBURSEMENT_STATUSES),
    attempts: z.number().int(),
    provider: z.string().nullable(),
    gatewayRef: z.string().nullable(),
    failureReason: z.string().nullable(),
    requestedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Disbursement");

export const DisbursementList = z.object({ items: z.array(Disbursement) }).openapi("DisbursementList", {
  example: {
    items: [
      {
        id: "dsb_0193a1b200007000800000000000b1",
        loanId: EXAMPLE_IDS.loan,
        principalAmount: 5_000_000,
        feeAmount: 0,
        netAmount: 5_000_000,
        status: "succeeded",
        attempts: 1,
        provider: "standard",
        gatewayRef: "gw_7f3a9c",
        failureReason: null,
        requestedAt: "2026-03-02T03:00:05.000Z",
        completedAt: "2026-03-02T03:01:00.000Z",
        createdAt: "2026-03-02T03:00:05.000Z",
      },
    ],
  },
});

// ---- SNAP BI (Bank Indonesia's open-API standard): the bank-facing virtual-account flow ----
// Bodies as the standard names them. Amounts are SNAP money: {value: "110000.00", currency: "IDR"} (rupiah with two
// decimals as text). Every answer carries responseCode (HTTP status + 2-digit service code + 2-digit case code) and
// responseMessage; an error answer is only those two.
export const SnapAmount = z.object({ value: z.string().regex(/^\d{1,16}\.\d{2}$/), currency: z.string().length(3) }).openapi("SnapAmount", { example: { value: "110000.00", currency: "IDR" } });
export const SnapResponse = z
  .object({ responseCode: z.string().regex(/^\d{7}$/), responseMessage: z.string().max(150) })
  .openapi("SnapResponse", { example: { responseCode: "4012400", responseMessage: "Unauthorized. Signature" } });
export type SnapResponse = z.infer<typeof SnapResponse>;

export const SnapTokenRequest = z.object({ grantType: z.literal("client_credentials"), additionalInfo: z.record(z.string(), z.unknown()).optional() }).openapi("SnapTokenRequest", { example: { grantType: "client_credentials" } });
export const SnapTokenResponse = SnapResponse.extend({ accessToken: z.string(), tokenType: z.literal("BearerToken"), expiresIn: z.string() }).openapi("SnapTokenResponse", {
  example: { responseCode: "2007300", responseMessage: "Successful", accessToken: "snap_4bJ6kQyU1c9Xr2o0YQp7WmZkS3Vt8aFh", tokenType: "BearerToken", expiresIn: "900" },
});

const vaIdentity = {
  partnerServiceId: z.string().max(8),
  customerNo: z.string().max(20),
  virtualAccountNo: z.string().max(28),
};
const VA_EXAMPLE = { partnerServiceId: "    8808", customerNo: "000000000001", virtualAccountNo: "    8808000000000001" };

export const SnapInquiryRequest = z
  .object({ ...vaIdentity, inquiryRequestId: z.string().max(128), trxDateInit: z.string().optional(), channelCode: z.number().optional(), additionalInfo: z.record(z.string(), z.unknown()).optional() })
  .openapi("SnapInquiryRequest", { example: { ...VA_EXAMPLE, inquiryRequestId: "inq-20260302-000001", trxDateInit: "2026-03-02T10:00:00+07:00", channelCode: 6011 } });
const SnapReason = z.object({ english: z.string(), indonesia: z.string() });
export const SnapInquiryResponse = SnapResponse.extend({
  virtualAccountData: z.object({
    ...vaIdentity,
    virtualAccountName: z.string(),
    inquiryRequestId: z.string(),
    totalAmount: SnapAmount,
    virtualAccountTrxType: z.string(),
    inquiryStatus: z.string(),
    inquiryReason: SnapReason,
  }),
}).openapi("SnapInquiryResponse", {
  example: {
    responseCode: "2002400",
    responseMessage: "Successful",
    virtualAccountData: {
      ...VA_EXAMPLE,
      virtualAccountName: "Budi Santoso",
      inquiryRequestId: "inq-20260302-000001",
      totalAmount: { value: "110000.00", currency: "IDR" },
      virtualAccountTrxType: "O",
      inquiryStatus: "00",
      inquiryReason: { english: "Success", indonesia: "Sukses" },
    },
  },
});

export const SnapPaymentRequest = z
  .object({
    ...vaIdentity,
    virtualAccountName: z.string().optional(),
    paymentRequestId: z.string().max(128),
    paidAmount: SnapAmount,
    totalAmount: SnapAmount.optional(),
    trxDateTime: z.string(),
    referenceNo: z.string().max(64).optional(),
    channelCode: z.number().optional(),
    hashedSourceAccountNo: z.string().optional(),
    sourceBankCode: z.string().optional(),
    flagAdvise: z.enum(["Y", "N"]).optional(),
    additionalInfo: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("SnapPaymentRequest", {
    example: { ...VA_EXAMPLE, virtualAccountName: "Budi Santoso", paymentRequestId: "pay-20260302-000001", paidAmount: { value: "110000.00", currency: "IDR" }, trxDateTime: "2026-03-02T10:01:00+07:00", referenceNo: "0000123456", channelCode: 6011, flagAdvise: "N" },
  });
export const SnapPaymentResponse = SnapResponse.extend({
  virtualAccountData: z.object({
    ...vaIdentity,
    virtualAccountName: z.string(),
    paymentRequestId: z.string(),
    paidAmount: SnapAmount,
    trxDateTime: z.string(),
    referenceNo: z.string().optional(),
    paymentFlagStatus: z.string(),
    paymentFlagReason: SnapReason,
  }),
  additionalInfo: z.object({ paymentId: z.string().nullable(), status: z.string() }),
}).openapi("SnapPaymentResponse", {
  example: {
    responseCode: "2002500",
    responseMessage: "Successful",
    virtualAccountData: {
      ...VA_EXAMPLE,
      virtualAccountName: "Budi Santoso",
      paymentRequestId: "pay-20260302-000001",
      paidAmount: { value: "110000.00", currency: "IDR" },
      trxDateTime: "2026-03-02T10:01:00+07:00",
      referenceNo: "0000123456",
      paymentFlagStatus: "00",
      paymentFlagReason: { english: "Success", indonesia: "Sukses" },
    },
    additionalInfo: { paymentId: "pay_0195a3c4-8e21-7b6a-9c1d-2f3e4a5b6c7d", status: "applied" },
  },
});
