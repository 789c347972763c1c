// The auth services of one platform (signing keys, OTP key, SMS port), created once on first use.
import type { Platform } from "../http/types.ts";
import { SigningKeys } from "./signing-keys.ts";
import { symmetricKey } from "./secrets.ts";
import type { SmsPort } from "./sms.ts";
import { createSmsPort } from "./sms/port.ts";
import type { TokenSettings } from "./tokens.ts";

export interface AuthServices {
  keys: SigningKeys;
  /** HMAC key for OTP codes (depot/secrets/otp-hmac.key). */
  otpKey: Buffer;
  tokens: TokenSettings;
  refreshTtlSeconds: number;
  sms: SmsPort;
}

const cache = new WeakMap<Platform, AuthServices>();

/** Register the SMS port (the configured adapter, src/auth/sms/port.ts, unless another was registered before). */
export function registerSmsPort(p: Platform): SmsPort {
  let sms = p.ports.get("sms") as SmsPort | undefined;
  if (!sms) {
    sms = createSmsPort(p);
    p.ports.set("sms", sms);
  }
  return sms;
}

export function authServices(p: Platform): AuthServices {
  let s = cache.get(p);
  if (!s) {
    const a = p.config.auth;
    s = {
      keys: new SigningKeys(p.config.depot, a.accessTtlSeconds, () => p.clock.now()).load(),
      otpKey: symmetricKey(p.config.depot, "otp-hmac.key"),
      tokens: { issuer: a.issuer, audience: a.audience, accessTtlSeconds: a.accessTtlSeconds },
      refreshTtlSeconds: a.refreshTtlSeconds,
      sms: registerSmsPort(p),
    };
    cache.set(p, s);
  }
  return s;
}
