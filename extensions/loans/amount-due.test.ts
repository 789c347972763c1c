// The loan's nextDueAmount is the amount the reminder SMS names: the same instalments, late fees included.
import { describe, expect, test } from "bun:test";
import { amountDueNow, installmentOut } from "./repo.ts";
import { instalmentAmounts, type InstallmentRow } from "./rows.ts";
import { planReminder } from "../collections/reminders.ts";

const row = (seq: number, due: string, over: Partial<InstallmentRow> = {}): InstallmentRow => ({
  id: `i${seq}`,
  loan_id: "l",
  seq,
  due_date: due,
  principal_due: 100_000,
  interest_due: 10_000,
  fee_due: 0,
  late_fee_due: 0,
  principal_paid: 0,
  interest_paid: 0,
  fee_paid: 0,
  late_fee_paid: 0,
  status: "pending",
  paid_at: null,
  ...over,
});
const paid = { principal_paid: 100_000, interest_paid: 10_000, status: "paid" as const };

const CASES: [string, InstallmentRow[], string, number][] = [
  ["three days before the first", [row(1, "2026-03-09"), row(2, "2026-03-16")], "2026-03-06", 110_000],
  ["on the due day, partly paid", [row(1, "2026-03-09", { interest_paid: 10_000, principal_paid: 40_000 }), row(2, "2026-03-16")], "2026-03-09", 60_000],
  ["one overdue with a late fee", [row(1, "2026-03-09", { late_fee_due: 550 }), row(2, "2026-03-16")], "2026-03-14", 110_550],
  [
    "two overdue, one due today: all of them with their late fees",
    [row(1, "2026-03-09", { late_fee_due: 1_320 }), row(2, "2026-03-16", { late_fee_due: 550 }), row(3, "2026-03-23"), row(4, "2026-03-30")],
    "2026-03-23",
    331_870,
  ],
  ["the first paid, the next one the day before", [row(1, "2026-03-09", paid), row(2, "2026-03-16")], "2026-03-15", 110_000],
];

describe("nextDueAmount = the reminder's amount due", () => {
  test.each(CASES)("%s", (_name, rows, today, expected) => {
    const due = amountDueNow(rows.map((r) => installmentOut(r, today)), today);
    expect(due.amount).toBe(expected);
    const plan = planReminder(rows.map(instalmentAmounts), today);
    expect(plan?.amount).toBe(due.amount);
  });

  test("nothing left: no date, zero", () => {
    expect(amountDueNow([installmentOut(row(1, "2026-03-09", paid), "2026-03-10")], "2026-03-10")).toEqual({ dueDate: null, amount: 0 });
  });
});
