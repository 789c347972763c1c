// The SMS port. Features look it up as platform.ports.get("sms") (ExtensionContext.port("sms")).
// The default `log` adapter appends {to, text, at} JSON lines to depot/data/sms.jsonl.
import { appendFile, mkdir } from "node:fs/promises";
import { privateFile } from "../private-files.ts";
import { dirname } from "node:path";
import type { Clock } from "../clock.ts";

export interface SmsMessage {
  to: string;
  text: string;
}

export interface SmsPort {
  readonly kind: string;
  send(msg: SmsMessage): Promise<void>;
}

export class LogSmsAdapter implements SmsPort {
  readonly kind = "log";
  private checkedMode = false;
  constructor(
    private path: string,
    private clock: Clock,
    private log?: { info(msg: string, f?: Record<string, unknown>): void },
  ) {}
  async send(msg: SmsMessage) {
    await mkdir(dirname(this.path), { recursive: true });
    const line = JSON.stringify({ to: msg.to, text: msg.text, at: this.clock.now().toISOString() });
    // Phone numbers and one-time codes: 0600 (the mode only applies when the file is created; an older log is tightened).
    await appendFile(this.path, line + "\n", { mode: 0o600 });
    if (!this.checkedMode) {
      privateFile(this.path);
      this.checkedMode = true;
    }
    this.log?.info("sms sent", { adapter: "log", to: msg.to });
  }
}
