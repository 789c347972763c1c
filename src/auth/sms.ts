// The SMS port. Features look it up as platform.ports.get("sms") (ExtensionContext.port("sms")). The adapter is
// chosen by config `sms.adapter` (src/auth/sms/port.ts): `twilio` (Twilio's Messages API), or `log`, which appends
// {to, text, at} JSON lines to depot/data/sms.jsonl in development only (in production the server refuses to start
// with it, and it never writes there). WhatsApp (Cloud API) is a second channel for one-time codes when configured.
import { appendFile, mkdir } from "node:fs/promises";
import { privateFile } from "../private-files.ts";
import { dirname } from "node:path";
import type { Clock } from "../clock.ts";

export type OtpChannel = "sms" | "whatsapp";

export interface SmsMessage {
  to: string;
  text: string;
  /** Default sms. WhatsApp sends the code through an authentication template. */
  channel?: OtpChannel;
  /** The one-time code the text carries (template channels send it as a parameter). */
  code?: string;
}

export interface SmsPort {
  readonly kind: string;
  /** The channels it can deliver on (default: sms only). */
  readonly channels?: readonly OtpChannel[];
  send(msg: SmsMessage): Promise<void>;
}

export class LogSmsAdapter implements SmsPort {
  readonly kind = "log";
  readonly channels: readonly OtpChannel[] = ["sms", "whatsapp"];
  private checkedMode = false;
  constructor(
    private path: string,
    private clock: Clock,
    private log?: { info(msg: string, f?: Record<string, unknown>): void },
    /** The configured environment: outside development nothing is written (the codes would be on disk). */
    private env: "development" | "production" = "development",
  ) {}
  async send(msg: SmsMessage) {
    if (this.env !== "development") throw new Error("the log SMS adapter writes one-time codes to disk: it only runs in development (set sms.adapter)");
    await mkdir(dirname(this.path), { recursive: true });
    const line = JSON.stringify({ to: msg.to, text: msg.text, at: this.clock.now().toISOString(), ...(msg.channel === "whatsapp" ? { channel: "whatsapp" } : {}) });
    // Phone numbers and one-time codes: 0600 (the mode only applies when the file is created; an older log is tightened).
    await appendFile(this.path, line + "\n", { mode: 0o600 });
    if (!this.checkedMode) {
      privateFile(this.path);
      this.checkedMode = true;
    }
    this.log?.info("sms sent", { adapter: "log", to: msg.to, channel: msg.channel ?? "sms" });
  }
}
