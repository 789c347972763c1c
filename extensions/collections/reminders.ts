// Reminders, pure: which reminder (if any) a loan gets today, the sending window and the text.
import { lateFeeRemaining, scheduledRemaining, isUnpaid, type InstalmentView } from "./dpd.ts";
import type { ReminderKind } from "../../schemas/enums.ts";
import { daysBetween, jakartaDate, jakartaInstant, jakartaTime } from "../../src/runtime/index.ts";

export interface ReminderPlan {
  kind: ReminderKind;
  /** The instalment the reminder is about (the oldest overdue one for `overdue`). */
  seq: number;
  dueDate: string;
  /** Amount to pay now (integer rupiah): everything due up to that instalment, late fees included — the loan's `nextDueAmount` (extensions/loans/repo.ts amountDueNow). */
  amount: number;
  dpd: number;
}

/** Sending window, Asia/Jakarta: from 08:00 (inclusive) to 20:00 (exclusive). */
export const WINDOW_START_HOUR = 8;
export const WINDOW_END_HOUR = 20;

export function withinSendingWindow(at: Date): boolean {
  const { hour } = jakartaTime(at);
  return hour >= WINDOW_START_HOUR && hour < WINDOW_END_HOUR;
}

/** When a reminder planned at `now` may go out: now inside the window, 08:00 today before it, null after 20:00. */
export function sendTimeFor(now: Date): Date | null {
  if (withinSendingWindow(now)) return now;
  const { hour } = jakartaTime(now);
  if (hour < WINDOW_START_HOUR) return jakartaInstant(jakartaDate(now), WINDOW_START_HOUR, 0);
  return null;
}

/**
 * The one reminder of the day for a loan: `overdue` while any instalment is past due and unpaid, else `due` on
 * the due day, `h-1` the day before and `h-3` three days before the next unpaid instalment. At most one a day.
 */
export function planReminder(instalments: readonly InstalmentView[], today: string): ReminderPlan | null {
  const ordered = [...instalments].sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.seq - b.seq));
  const overdue = ordered.filter((i) => i.dueDate < today && isUnpaid(i));
  if (overdue.length > 0) {
    let amount = 0;
    for (const i of ordered) if (i.dueDate <= today) amount += scheduledRemaining(i) + lateFeeRemaining(i);
    return { kind: "overdue", seq: overdue[0].seq, dueDate: overdue[0].dueDate, amount, dpd: daysBetween(overdue[0].dueDate, today) };
  }
  const next = ordered.find((i) => i.dueDate >= today && isUnpaid(i));
  if (!next) return null;
  const days = daysBetween(today, next.dueDate);
  const kind: ReminderKind | null = days === 0 ? "due" : days === 1 ? "h-1" : days === 3 ? "h-3" : null;
  if (!kind) return null;
  let amount = 0;
  for (const i of ordered) if (i.dueDate <= next.dueDate) amount += scheduledRemaining(i) + lateFeeRemaining(i);
  return { kind, seq: next.seq, dueDate: next.dueDate, amount, dpd: 0 };
}

/** 110000 → "Rp110.000" */
export function formatRupiah(amount: number): string {
  const s = String(Math.trunc(Math.abs(amount))).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return (amount < 0 ? "-Rp" : "Rp") + s;
}

function idDate(date: string): string {
  const [y, m, d] = date.split("-");
  return `${d}-${m}-${y}`;
}

export function reminderText(plan: ReminderPlan, vaNumber: string | null): string {
  const pay = vaNumber ? `Bayar ke VA ${vaNumber}` : "Bayar lewat aplikasi KreditKu";
  const amount = formatRupiah(plan.amount);
  switch (plan.kind) {
    case "h-3":
      return `KreditKu: angsuran ke-${plan.seq} ${amount} jatuh tempo ${idDate(plan.dueDate)} (3 hari lagi). ${pay}.`;
    case "h-1":
      return `KreditKu: angsuran ke-${plan.seq} ${amount} jatuh tempo besok ${idDate(plan.dueDate)}. ${pay}.`;
    case "due":
      return `KreditKu: angsuran ke-${plan.seq} ${amount} jatuh tempo hari ini ${idDate(plan.dueDate)}. ${pay}.`;
    case "overdue":
      return `KreditKu: tagihan Anda terlambat ${plan.dpd} hari. Total ${amount} (termasuk denda). ${pay} agar denda tidak bertambah.`;
  }
}
