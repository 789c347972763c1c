// Who is signed in: session context, sign-in (password or passkey), sign-out; one session per browser, shared by
// its tabs (api.ts).
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { startAuthentication } from "@simplewebauthn/browser";
import { api, loadSession, onSession, saveSession, type Session, type User } from "./api.ts";
import { useQueryClient } from "@tanstack/react-query";

interface AuthValue {
  user: User | null;
  signIn(email: string, password: string): Promise<void>;
  signInWithPasskey(): Promise<void>;
  signOut(): Promise<void>;
}
const Ctx = createContext<AuthValue | null>(null);

export class StaffOnlyError extends Error {}

function accept(s: Session) {
  if (!s.user || s.user.role === "borrower") throw new StaffOnlyError("This dashboard is for staff accounts only");
  saveSession({ accessToken: s.accessToken, refreshToken: s.refreshToken, user: s.user });
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const qc = useQueryClient();
  // the session is shared by every tab (api.ts): a sign-out anywhere drops this tab's cached data too
  useEffect(
    () =>
      onSession((s) => {
        setSession(s);
        if (!s) qc.clear();
      }),
    [qc],
  );
  const value: AuthValue = {
    user: session?.user ?? null,
    async signIn(email, password) {
      accept(await api<Session>("/api/v1/auth/login", { method: "POST", json: { email, password } }));
    },
    async signInWithPasskey() {
      const { challengeId, options } = await api<{ challengeId: string; options: any }>("/api/v1/auth/passkeys/login/options", { method: "POST", json: {} });
      const response = await startAuthentication({ optionsJSON: options });
      accept(await api<Session>("/api/v1/auth/passkeys/login/verify", { method: "POST", json: { challengeId, response } }));
    },
    async signOut() {
      try {
        await api("/api/v1/auth/logout", { method: "POST" });
      } catch {
        /* the session ends locally either way */
      }
      saveSession(null);
      qc.clear();
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth() {
  const v = useContext(Ctx);
  if (!v) throw new Error("useAuth outside AuthProvider");
  return v;
}
