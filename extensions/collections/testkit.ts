// Test and benchmark helpers: an in-memory (or file) database with every migration, a real ExtensionContext on a
// manual clock, a recording SMS port, and the reference loan (5,000,000 at 10 % flat, 50 weekly × 110,000).
// Not used by the binary.
import { Db } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { ConfigSchema } from "../../src/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Metrics } from "../../src/observability/metrics.ts";
import { ManualClock } from "../../src/clock.ts";
import { Registry } from "../../src/runtime/registry.ts";
import { makeContext, jobContextOf } from "../../src/runtime/context.ts";
import type { ExtensionContext, TxContext } from "../../src/runtime/index.ts";
import { buildSchedule } from "../loans/schedule.ts";
import { postJournal } from "../ledger/ledger.ts";
import { applyPayment } from "../payments/money.ts";
import collections, { sendReminderJob } from "./index.ts";
import { jakartaInstant } from "./dpd.ts";

export interface SentSms {
  to: string;
  text: string;
  at: string;
}

export interface Harness {
  db: Db;
  clock: ManualClock;
  ctx: ExtensionContext;
  sms: SentSms[];
  logs: { msg: string; fields: Record<string, unknown> }[];
  /** Set the clock to hh:mm Asia/Jakarta on a day. */
  at(date: string, hour?: number, minute?: number): void;
  close(): void;
}

export function harness(opts: { path?: string; start?: string } = {}): Harness {
  const db = new Db(opts.path ?? ":memory:", 1);
  migrate(db);
  const clock = new ManualClock(opts.start ?? "2026-01-01T00:00:00Z");
  const logs: Harness["logs"] = [];
  const log = createLogger("info", {}, (line) => {
    const o = JSON.parse(line);
    logs.push({ msg: o.msg, fields: o });
  });
  const sms: SentSms[] = [];
  const ports = new Map<string, unknown>([["sms", { kind: "test", send: async (m: { to: string; text: string }) => void sms.push({ ...m, at: clock.now().toISOString() }) }]]);
  const config = ConfigSchema.parse({ depot: "/nonexistent-kreditku-test-depot" });
  const reg = new Registry([collections]);
  const ctx = makeContext({ config, db, log, metrics: new Metrics({ defaultMetrics: false }), clock, ports }, reg);
  return {
    db,
    clock,
    ctx,
    sms,
    logs,
    at(date, hour = 0, minute = 0) {
      clock.set(jakartaInstant(date, hour, minute));
    },
    close() {
      db.close();
    },
  };
}

export interface LoanSpec {
  id: string;
  startDate: string;
  principal?: number;
  tenor?: number;
  tenorUnit?: "days" | "weeks" | "months";
  ratePpm?: number;
  lateFeePpm?: number;
  graceDays?: number;
  purpose?: "consumptive" | "productive";
  phone?: string | null;
  vaNumber?: string | null;
  /** Post the disbursement journal (receivables) — default true. */
  ledger?: boolean;
}

/** Insert a borrower, application, active loan with its schedule, VA and disbursement journal. */
export function seedLoan(t: TxContext | ExtensionContext["db"], s: LoanSpec) {
  const principal = s.principal ?? 5_000_000;
  const tenor = s.tenor ?? 50;
  const unit = s.tenorUnit ?? "weeks";
  const sched = buildSchedule({ principal, tenor, tenorUnit: unit, method: "flat", ratePpm: s.ratePpm ?? 2000 }, s.startDate);
  const now = `${s.startDate}T00:00:00.000Z`;
  const userId = `u_${s.id}`;
  const phone = s.phone === undefined ? `+62812${String(Math.abs(hash(s.id)) % 1e8).padStart(8, "0")}` : s.phone;
  t.run("INSERT INTO users (id, role, phone, email, created_at, updated_at) VALUES (?, 'borrower', ?, ?, ?, ?)", userId, phone, phone ? null : `${s.id}@x.test`, now, now);
  t.run(
    `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, loan_id, created_at, updated_at)
     VALUES (?, ?, 'prod_reference_weekly', 'active', ?, ?, ?, 'modal', ?, ?, ?, ?)`,
    `a_${s.id}`,
    userId,
    principal,
    tenor,
    unit,
    sched.instalmentAmount,
    s.id,
    now,
    now,
  );
  t.run(
    `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount,
       tenor, tenor_unit, interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, disbursed_at, created_at, updated_at)
     VALUES (?, ?, ?, 'prod_reference_weekly', 'active', ?, ?, ?, 0, ?, ?, ?, 'flat', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    s.id,
    `a_${s.id}`,
    userId,
    principal,
    sched.interestAmount,
    sched.feeAmount,
    sched.disbursedAmount,
    tenor,
    unit,
    s.ratePpm ?? 2000,
    s.lateFeePpm ?? 1000,
    s.graceDays ?? 3,
    s.purpose ?? "consumptive",
    s.startDate,
    sched.maturityDate,
    now,
    now,
    now,
  );
  for (const i of sched.instalments) {
    t.run(
      "INSERT INTO installments (id, loan_id, seq, due_date, principal_due, interest_due, fee_due) VALUES (?, ?, ?, ?, ?, ?, ?)",
      `${s.id}_${String(i.seq).padStart(3, "0")}`,
      s.id,
      i.seq,
      i.dueDate,
      i.principalAmount,
      i.interestAmount,
      i.feeAmount,
    );
  }
  if (s.vaNumber !== null) t.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, created_at) VALUES (?, ?, 'standard', 'BCA', ?)", s.vaNumber ?? `8808${String(Math.abs(hash(s.id))).padStart(10, "0")}`, s.id, now);
  if (s.ledger !== false) {
    postJournal(t, {
      kind: "disbursement",
      ref: s.id,
      loanId: s.id,
      postedAt: now,
      lines: [
        { account: "principal_receivable", debit: principal },
        { account: "interest_receivable", debit: sched.interestAmount },
        ...(sched.feeAmount > 0 ? [{ account: "fee_receivable" as const, debit: sched.feeAmount }] : []),
        { account: "cash", credit: principal },
        { account: "unearned_interest", credit: sched.interestAmount },
        ...(sched.feeAmount > 0 ? [{ account: "unearned_fee" as const, credit: sched.feeAmount }] : []),
      ],
    });
  }
  return sched;
}

function hash(s: string) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

let payments = 0;
/** A repayment through the payments extension (applyPayment: allocation, instalments, journal, paid_off). */
export function pay(t: TxContext, loanId: string, amount: number, at: Date) {
  const va = t.get<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ?", loanId);
  if (!va) throw new Error(`loan ${loanId} has no VA`);
  const r = applyPayment(t, {
    provider: "standard",
    notice: { paymentId: `test-${loanId}-${++payments}`, vaNumber: va.va_number, amount, currency: "IDR", paidAt: at.toISOString() },
    source: "reconcile",
    now: at,
  });
  if (r.status !== "applied") throw new Error(`payment not applied: ${r.status} ${r.reason ?? ""}`);
  return r;
}

/** Run the due send-reminder jobs like a worker would (handler), then apply their results on the owner. */
export async function deliverReminders(h: Harness): Promise<number> {
  const now = h.clock.now().getTime();
  const rows = h.db.read.all<{ id: number; key: string; payload: string }>(
    "SELECT id, key, payload FROM outbox WHERE name = 'send-reminder' AND state = 'pending' AND run_at <= ? ORDER BY id",
    now,
  );
  for (const r of rows) {
    const p = JSON.parse(r.payload);
    const jc = jobContextOf(h.ctx, r.key, 1, new AbortController().signal);
    const res = await sendReminderJob.handler(p, jc);
    h.ctx.tx((t) => {
      sendReminderJob.apply!(res, p, t, h.ctx);
      t.run("UPDATE outbox SET state = 'completed', updated_at = ? WHERE id = ?", now, r.id);
    });
  }
  return rows.length;
}
