// The "sms" port as configured: the SMS adapter of `sms.adapter` (log in development, twilio) and, when
// sms.whatsapp.phoneNumberId is set, WhatsApp as a second channel for one-time codes. Provider secrets come from the
// environment or depot/secrets (KREDITKU_TWILIO_AUTH_TOKEN / twilio-auth-token, KREDITKU_WHATSAPP_TOKEN /
// whatsapp-token). smsProductionProblems names what production refuses: the log adapter, a missing secret.
import { depotPaths, type Config } from "../../config.ts";
import type { Platform } from "../../http/types.ts";
import { readSecret } from "../../runtime/secrets.ts";
import { LogSmsAdapter, type OtpChannel, type SmsMessage, type SmsPort } from "../sms.ts";
import { SmsRecorder } from "./record.ts";
import { TwilioSms } from "./twilio.ts";
import { WhatsAppOtp } from "./whatsapp.ts";

type Env = Readonly<Record<string, string | undefined>>;

export const TWILIO_TOKEN = { env: "KREDITKU_TWILIO_AUTH_TOKEN", file: "twilio-auth-token" };
export const WHATSAPP_TOKEN = { env: "KREDITKU_WHATSAPP_TOKEN", file: "whatsapp-token" };
/** Where Twilio reports delivery (under the public URL). */
export const TWILIO_STATUS_PATH = "/api/v1/auth/sms/status/twilio";

const secret = (config: Config, spec: { env: string; file: string }, env?: Env) => readSecret({ config }, spec, env ?? process.env).value?.trim() || null;

/** The channel a borrower asked for is not configured. */
export class ChannelUnavailable extends Error {}

/** SMS plus, when configured, WhatsApp: a message goes to the channel it names. */
export class OtpSender implements SmsPort {
  readonly kind: string;
  readonly channels: readonly OtpChannel[];
  constructor(
    readonly sms: SmsPort,
    readonly whatsapp: SmsPort | null,
  ) {
    this.kind = whatsapp ? `${sms.kind}+${whatsapp.kind}` : sms.kind;
    this.channels = whatsapp || sms.channels?.includes("whatsapp") ? ["sms", "whatsapp"] : ["sms"];
  }
  send(msg: SmsMessage): Promise<void> {
    if (msg.channel === "whatsapp") {
      if (this.whatsapp) return this.whatsapp.send(msg);
      if (this.sms.channels?.includes("whatsapp")) return this.sms.send(msg);
      throw new ChannelUnavailable("WhatsApp is not configured");
    }
    return this.sms.send(msg);
  }
}

/** What building the port needs: a platform, or a stateless worker's parts (no database: nothing recorded). */
export type SmsBase = Pick<Platform, "config" | "clock" | "log" | "metrics"> & { db?: Platform["db"]; env?: Env };

export function createSmsPort(p: SmsBase): OtpSender {
  const c = p.config.sms;
  const call = { timeoutMs: c.timeoutMs, retries: c.retries };
  const recorder = new SmsRecorder(p);
  let sms: SmsPort;
  if (c.adapter === "twilio") {
    const statusCallback = p.config.publicUrl ? `${p.config.publicUrl.replace(/\/+$/, "")}${TWILIO_STATUS_PATH}` : undefined;
    sms = new TwilioSms({ ...call, accountSid: c.twilio.accountSid!, from: c.twilio.from, messagingServiceSid: c.twilio.messagingServiceSid, baseUrl: c.twilio.baseUrl, authToken: secret(p.config, TWILIO_TOKEN, p.env) ?? "", statusCallback }, recorder);
  } else {
    sms = new LogSmsAdapter(depotPaths(p.config.depot).smsLog, p.clock, p.log, p.config.env);
  }
  const w = c.whatsapp;
  const whatsapp = w.phoneNumberId ? new WhatsAppOtp({ ...call, phoneNumberId: w.phoneNumberId, token: secret(p.config, WHATSAPP_TOKEN, p.env) ?? "", template: w.template, language: w.language, baseUrl: w.baseUrl }, recorder) : null;
  return new OtpSender(sms, whatsapp);
}

/** Production refusals of the SMS configuration, one line each (the log adapter, a provider without its secret). */
export function smsProductionProblems(config: Config, env: Env): string[] {
  const out: string[] = [];
  if (config.sms.adapter === "log") out.push("sms.adapter is log (KREDITKU_SMS_ADAPTER): it writes one-time codes to depot/data/sms.jsonl; set KREDITKU_SMS_ADAPTER=twilio with KREDITKU_TWILIO_ACCOUNT_SID, KREDITKU_TWILIO_FROM and KREDITKU_TWILIO_AUTH_TOKEN");
  if (config.sms.adapter === "twilio" && !secret(config, TWILIO_TOKEN, env)) out.push(`no Twilio auth token: set ${TWILIO_TOKEN.env} or depot/secrets/${TWILIO_TOKEN.file}`);
  if (config.sms.whatsapp.phoneNumberId && !secret(config, WHATSAPP_TOKEN, env)) out.push(`no WhatsApp access token: set ${WHATSAPP_TOKEN.env} or depot/secrets/${WHATSAPP_TOKEN.file}`);
  return out;
}
