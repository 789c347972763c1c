// The auth routes, one file per flow: borrower OTP (request, verify), staff login, refresh, logout, me, the admin's
// role change and staff management, passkeys (register, sign in, the user's own) and the JWKS.
import type { Route } from "../../http/route.ts";
import type { Platform } from "../../http/types.ts";
import { otpRequestRoute } from "./otp-request.ts";
import { otpVerifyRoute } from "./otp-verify.ts";
import { smsStatusRoute } from "./sms-status.ts";
import { jwksRoute } from "./jwks.ts";
import { loginRoute } from "./login.ts";
import { refreshRoute } from "./refresh.ts";
import { logoutRoute } from "./logout.ts";
import { meRoute } from "./me.ts";
import { roleChangeRoute } from "./role-change.ts";
import { createStaffRoute, endStaffSessionsRoute, listStaffRoute, staffStatusRoute } from "./staff-admin.ts";
import { passkeyRegisterOptionsRoute, passkeyRegisterVerifyRoute } from "./passkey-register.ts";
import { passkeyLoginOptionsRoute, passkeyLoginVerifyRoute } from "./passkey-login.ts";
import { deletePasskeyRoute, listPasskeysRoute } from "./passkeys-own.ts";

export const AUTH_ROUTES: Route<Platform>[] = [
  otpRequestRoute,
  otpVerifyRoute,
  smsStatusRoute,
  jwksRoute,
  loginRoute,
  refreshRoute,
  logoutRoute,
  meRoute,
  roleChangeRoute,
  listStaffRoute,
  createStaffRoute,
  staffStatusRoute,
  endStaffSessionsRoute,
  passkeyRegisterOptionsRoute,
  passkeyRegisterVerifyRoute,
  passkeyLoginOptionsRoute,
  passkeyLoginVerifyRoute,
  listPasskeysRoute,
  deletePasskeyRoute,
];
