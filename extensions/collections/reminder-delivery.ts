// Sending a planned reminder (the `send-reminder` job, jobs/send-reminder.ts): only inside the Asia/Jakarta sending
// window and only on the day it was planned for (a retry may land later), through the platform's "sms" port; the
// owner records the outcome on the reminder row.
import { jakartaDate, type ExtensionContext, type Sql } from "../../src/runtime/index.ts";
import type { ReminderPayload, ReminderResult } from "../../schemas/collections.ts";
import { withinSendingWindow } from "./reminders.ts";

/** The SMS port the platform registers as "sms". */
export interface SmsPort {
  send(msg: { to: string; text: string }): Promise<void>;
}

export async function deliverReminder(ctx: ExtensionContext, p: ReminderPayload): Promise<ReminderResult> {
  const now = ctx.clock.now();
  // a retry may land outside the window or on another day: never send then
  if (!withinSendingWindow(now)) return { status: "skipped", at: now.toISOString(), detail: "outside 08:00-20:00 Asia/Jakarta" };
  if (jakartaDate(now) !== p.date) return { status: "skipped", at: now.toISOString(), detail: "stale: planned for another day" };
  await ctx.port<SmsPort>("sms").send({ to: p.phone, text: p.text });
  return { status: "sent", at: now.toISOString() };
}

/** Record what became of a queued reminder (idempotent: only a reminder still queued changes). */
export function recordReminderOutcome(t: Sql, p: ReminderPayload, r: ReminderResult) {
  t.run(
    "UPDATE collection_reminders SET status = ?, sent_at = ?, detail = ? WHERE loan_id = ? AND reminder_date = ? AND status = 'queued'",
    r.status,
    r.status === "sent" ? r.at : null,
    r.detail ?? null,
    p.loanId,
    p.date,
  );
}
