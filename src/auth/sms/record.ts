// What the server keeps of each provider message (sms_messages: provider id, delivery status, error code, price; the
// phone masked, never the text) and the counters: kreditku_sms_messages_total{provider,channel,status} per outcome
// and status change, kreditku_sms_cost_total{provider,currency} from the provider's price when it gives one.
import type { Platform } from "../../http/types.ts";

export type SmsChannel = "sms" | "whatsapp";

/** +6281234567890 → +62812****7890. */
export const maskPhone = (phone: string) => (phone.length > 8 ? phone.slice(0, 6) + "*".repeat(phone.length - 10 > 0 ? phone.length - 10 : 1) + phone.slice(-4) : "****");

export class SmsRecorder {
  /** Without a database (a stateless worker) only the counters are kept. */
  constructor(private p: Pick<Platform, "metrics" | "clock"> & { db?: Platform["db"] }) {}

  private messages() {
    return this.p.metrics.counter("kreditku_sms_messages_total", "OTP messages by provider, channel and delivery status", ["provider", "channel", "status"]);
  }
  private cost() {
    return this.p.metrics.counter("kreditku_sms_cost_total", "What the providers charged for messages, by currency (their price, absolute)", ["provider", "currency"]);
  }

  /** A message the provider accepted (or refused: status failed). Returns its row id. */
  sent(m: { provider: string; channel: SmsChannel; phone: string; providerId: string | null; status: string; errorCode?: string | null; price?: string | null; priceUnit?: string | null; attempts: number }): string {
    const id = Bun.randomUUIDv7();
    const at = this.p.clock.now().toISOString();
    this.p.db?.tx((w) =>
      w.run(
        "INSERT INTO sms_messages (id, provider, channel, provider_id, phone, status, error_code, price, price_unit, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        m.provider,
        m.channel,
        m.providerId,
        maskPhone(m.phone),
        m.status,
        m.errorCode ?? null,
        m.price ?? null,
        m.priceUnit ?? null,
        m.attempts,
        at,
        at,
      ),
    );
    this.messages().inc({ provider: m.provider, channel: m.channel, status: m.status });
    this.countCost(m.provider, m.price ?? null, m.priceUnit ?? null);
    return id;
  }

  /** A status the provider reported later (callback or fetch); false for a message we never sent. */
  status(provider: string, providerId: string, u: { status: string; errorCode?: string | null; price?: string | null; priceUnit?: string | null }): boolean {
    const at = this.p.clock.now().toISOString();
    if (!this.p.db) return false;
    const before = this.p.db.tx((w) => {
      const row = w.get<{ channel: SmsChannel; status: string; price: string | null }>("SELECT channel, status, price FROM sms_messages WHERE provider = ? AND provider_id = ?", provider, providerId);
      if (!row) return null;
      w.run(
        "UPDATE sms_messages SET status = ?, error_code = COALESCE(?, error_code), price = COALESCE(price, ?), price_unit = COALESCE(price_unit, ?), updated_at = ? WHERE provider = ? AND provider_id = ?",
        u.status,
        u.errorCode ?? null,
        u.price ?? null,
        u.priceUnit ?? null,
        at,
        provider,
        providerId,
      );
      return row;
    });
    if (!before) return false;
    if (before.status !== u.status) this.messages().inc({ provider, channel: before.channel, status: u.status });
    if (before.price === null) this.countCost(provider, u.price ?? null, u.priceUnit ?? null);
    return true;
  }

  private countCost(provider: string, price: string | null, unit: string | null) {
    const n = price === null ? NaN : Math.abs(Number(price));
    if (Number.isFinite(n) && n > 0) this.cost().inc({ provider, currency: (unit ?? "unknown").toUpperCase() }, n);
  }
}
