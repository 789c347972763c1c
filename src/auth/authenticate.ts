// The `authenticate` middleware: when a valid Bearer access token is present (good signature, iss, aud, exp,
// and a live session), sets c.get("user"). Otherwise it only remembers why, for the guard's 401 detail:
// public routes ignore a bad token; routes that need a user answer 401.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/types.ts";
import { authServices } from "./services.ts";
import { sessionIsLive } from "./sessions.ts";
import { verifyAndRemember, verifyCachedAccessToken, type VerifyResult } from "./tokens.ts";

const failures = new WeakMap<Request, string>();

/** Why the request's token was refused (undefined when it had none or it was fine). */
export function authFailure(c: Context<AppEnv>): string | undefined {
  return failures.get(c.req.raw);
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function bearerToken(c: Context<AppEnv>): string | undefined {
  const h = c.req.raw.headers.get("authorization");
  if (!h) return undefined;
  const m = BEARER.exec(h);
  return m ? m[1] : "";
}

function authenticateToken(c: Context<AppEnv>, token: string, next: () => Promise<void>) {
  const p = c.get("platform");
  const svc = authServices(p);
  if (!token) return settle(c, p, { ok: false, reason: "malformed Authorization header" }, next);
  const now = p.clock.now();
  // a token verified before is answered without a promise; only a new one waits for its signature check
  const cached = verifyCachedAccessToken(svc.keys, svc.tokens, token, now);
  if (cached !== undefined) return settle(c, p, cached, next);
  return verifyAndRemember(svc.keys, svc.tokens, token, now).then((res) => settle(c, p, res, next));
}

function settle(c: Context<AppEnv>, p: AppEnv["Variables"]["platform"], res: VerifyResult, next: () => Promise<void>) {
  if (!res.ok) failures.set(c.req.raw, res.reason);
  else if (!sessionIsLive(p, res.user.sessionId, res.user.id)) failures.set(c.req.raw, "session ended");
  else c.set("user", res.user);
  return next();
}

/** A request without an Authorization header passes straight on (no async step of its own). */
export const authenticate = (): MiddlewareHandler<AppEnv> => (c, next) => {
  const token = bearerToken(c);
  return token === undefined ? next() : authenticateToken(c, token, next);
};
