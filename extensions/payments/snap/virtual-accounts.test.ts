// SNAP BI direct virtual accounts numbered by this server (KREDITKU_VA_ISSUER=snap): partnerServiceId + a fixed-length
// customerNo (sequence + Luhn check digit), unique over many loans, stable and idempotent per loan, skipping a number
// another VA holds; the VA name as banks show it; the settings and start-up refusals of the snap issuer.
import { afterEach, describe, expect, test } from "bun:test";
import { testApp, type TestApp } from "../../../test/kit/app.ts";
import { seedLoan } from "../../../test/kit/accepted-loan.ts";
import { jobContextOf } from "../../../src/runtime/context.ts";
import { issueVirtualAccountJob } from "../../../jobs/issue-virtual-account.ts";
import payments from "../index.ts";
import { paymentSettings } from "../settings.ts";
import { issueSnapVirtualAccount, luhnDigit, snapCustomerNo, snapVaName, validCustomerNo } from "./virtual-accounts.ts";

const SNAP_ENV = { KREDITKU_VA_ISSUER: "snap", KREDITKU_SNAP_PARTNER_SERVICE_ID: "8808", KREDITKU_SNAP_VA_BANK: "BRI" };

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const ctxOf = (app: TestApp) => jobContextOf(app.ctx, `job-${crypto.randomUUID()}`, 1, new AbortController().signal);
const vaRows = (app: TestApp) => app.db.read.all<{ va_number: string; loan_id: string; provider: string; bank_code: string; name: string }>("SELECT va_number, loan_id, provider, bank_code, name FROM virtual_accounts ORDER BY va_number");

describe("SNAP customer numbers and names", () => {
  test("customerNo: the sequence zero-padded to the fixed length, then its Luhn check digit; too large a sequence is refused", () => {
    expect(luhnDigit("7992739871")).toBe("3"); // the textbook Luhn example
    expect(snapCustomerNo(1, 12)).toBe("00000000001" + luhnDigit("00000000001"));
    expect(snapCustomerNo(1, 12)).toHaveLength(12);
    expect(snapCustomerNo(123_456, 20)).toHaveLength(20);
    for (let seq = 1; seq < 2000; seq++) expect(validCustomerNo(snapCustomerNo(seq, 8))).toBe(true);
    // one mistyped digit is caught by the check digit
    const n = snapCustomerNo(4242, 12);
    const typo = n.slice(0, 5) + String((Number(n[5]) + 1) % 10) + n.slice(6);
    expect(validCustomerNo(typo)).toBe(false);
    expect(() => snapCustomerNo(100_000, 6)).toThrow("raise snapCustomerNoDigits");
    expect(() => snapCustomerNo(0, 12)).toThrow();
  });

  test("the VA name: upper case, accents dropped, unsafe characters blanked, at most 40 characters, a fallback when nothing is left", () => {
    expect(snapVaName("Budi Santoso")).toBe("BUDI SANTOSO");
    expect(snapVaName("  Siti Nur'aini  Çahyä <script>x</script> ")).toBe("SITI NUR'AINI CAHYA SCRIPT X SCRIPT");
    expect(snapVaName("Raden Mas Ngabehi Ronggowarsito Wiryo Kusumo Hadiningrat")).toBe("RADEN MAS NGABEHI RONGGOWARSITO WIRYO KU");
    expect(snapVaName("A".repeat(39) + " B").length).toBeLessThanOrEqual(40);
    expect(snapVaName("")).toBe("KREDITKU BORROWER");
    expect(snapVaName(null)).toBe("KREDITKU BORROWER");
    expect(snapVaName("王小明")).toBe("KREDITKU BORROWER");
  });
});

describe("SNAP VA issuer", () => {
  test("many loans: every number unique, partnerServiceId + 12 digits with a valid check digit; asking again answers the same and hands out nothing", () => {
    t = testApp({ env: SNAP_ENV });
    const s = t.ctx.settings(paymentSettings);
    const ids = Array.from({ length: 2000 }, () => crypto.randomUUID());
    const first = ids.map((id) => issueSnapVirtualAccount(t!.ctx, s, id, "Budi Santoso"));
    expect(new Set(first).size).toBe(2000);
    for (const va of first) {
      expect(va).toHaveLength(4 + 12);
      expect(va.startsWith("8808")).toBe(true);
      expect(validCustomerNo(va.slice(4))).toBe(true);
    }
    const again = ids.map((id) => issueSnapVirtualAccount(t!.ctx, s, id, "Someone Else"));
    expect(again).toEqual(first);
    expect(t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM virtual_accounts WHERE provider = 'snap'")!.n).toBe(2000);
    expect(t.db.read.get<{ last_seq: number }>("SELECT last_seq FROM snap_va_sequences WHERE partner_service_id = '8808'")!.last_seq).toBe(2000);
  });

  test("the job on a real loan: a snap VA in the borrower's name at the configured bank, idempotent even when run at once many times; no gateway call", async () => {
    t = testApp({ env: SNAP_ENV });
    const app = t;
    const loan = app.db.tx((c) => seedLoan(c));
    const results = await Promise.all(Array.from({ length: 20 }, () => issueVirtualAccountJob.handler({ loanId: loan.loanId }, ctxOf(app))));
    const va = results[0].vaNumber!;
    expect(results.every((r) => r.vaNumber === va)).toBe(true);
    expect(vaRows(app)).toEqual([{ va_number: va, loan_id: loan.loanId, provider: "snap", bank_code: "BRI", name: "BUDI SANTOSO" }]);
    expect(va).toBe("8808" + snapCustomerNo(1, 12));
    // a second loan takes the next number; an unknown loan gets none
    const other = app.db.tx((c) => seedLoan(c));
    expect((await issueVirtualAccountJob.handler({ loanId: other.loanId }, ctxOf(app))).vaNumber).toBe("8808" + snapCustomerNo(2, 12));
    expect((await issueVirtualAccountJob.handler({ loanId: "no-such-loan" }, ctxOf(app))).vaNumber).toBeNull();
  });

  test("a number another VA already holds is skipped, never shared", () => {
    t = testApp({ env: SNAP_ENV });
    const s = t.ctx.settings(paymentSettings);
    const taken = "8808" + snapCustomerNo(1, 12);
    t.db.tx((c) => c.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, name, created_at) VALUES (?, 'older-loan', 'xendit', 'BNI', 'X', '2026-01-01T00:00:00Z')", taken));
    expect(issueSnapVirtualAccount(t.ctx, s, "new-loan", "Budi")).toBe("8808" + snapCustomerNo(2, 12));
  });

  test("KREDITKU_SNAP_CUSTOMER_NO_DIGITS sets the fixed length (6–20)", () => {
    t = testApp({ env: { ...SNAP_ENV, KREDITKU_SNAP_PARTNER_SERVICE_ID: "12345678", KREDITKU_SNAP_CUSTOMER_NO_DIGITS: "20" } });
    const va = issueSnapVirtualAccount(t.ctx, t.ctx.settings(paymentSettings), "loan-1", "Budi");
    expect(va).toHaveLength(28);
    expect(() => testApp({ env: { ...SNAP_ENV, KREDITKU_SNAP_CUSTOMER_NO_DIGITS: "21" } })).toThrow("(KREDITKU_SNAP_CUSTOMER_NO_DIGITS)");
  });
});

describe("SNAP VA issuer settings", () => {
  test("default gateway; snap needs a 1–8 digit partnerServiceId and the bank, refused at start naming the variable", () => {
    expect(() => testApp({ extensions: [payments], jobs: [], env: { KREDITKU_VA_ISSUER: "bank" } })).toThrow("config: invalid setting extensions.payments.vaIssuer (KREDITKU_VA_ISSUER)");
    expect(() => testApp({ extensions: [payments], jobs: [], env: { KREDITKU_VA_ISSUER: "snap", KREDITKU_SNAP_VA_BANK: "BRI" } })).toThrow(
      "config: invalid setting extensions.payments.snapPartnerServiceId (KREDITKU_SNAP_PARTNER_SERVICE_ID): vaIssuer snap needs the bank-assigned snapPartnerServiceId",
    );
    expect(() => testApp({ extensions: [payments], jobs: [], env: { KREDITKU_VA_ISSUER: "snap", KREDITKU_SNAP_PARTNER_SERVICE_ID: "8808" } })).toThrow("(KREDITKU_SNAP_VA_BANK)");
    for (const bad of ["123456789", "88A8", " 8808", ""]) {
      expect(() => testApp({ extensions: [payments], jobs: [], env: { ...SNAP_ENV, KREDITKU_SNAP_PARTNER_SERVICE_ID: bad } })).toThrow("(KREDITKU_SNAP_PARTNER_SERVICE_ID)");
    }
  });

  test("the snap issuer without any SNAP credentials is refused at start in one line; the gateway issuer needs none", async () => {
    t = testApp({ env: SNAP_ENV });
    const problems = payments.preflight!(t.ctx);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith("KREDITKU_VA_ISSUER=snap but SNAP BI is not configured: set KREDITKU_SNAP_CLIENT_KEY");
    const gatewayIssued = testApp({ extensions: [payments], jobs: [] });
    try {
      expect(payments.preflight!(gatewayIssued.ctx)).toEqual([]);
    } finally {
      await gatewayIssued.close();
    }
  });
});
