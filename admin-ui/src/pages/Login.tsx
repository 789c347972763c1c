import { useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router-dom";
import { browserSupportsWebAuthn } from "@simplewebauthn/browser";
import { useAuth } from "../auth.tsx";
import { LanguageSwitch, useI18n } from "../i18n/index.tsx";

export function Login() {
  const { user, signIn, signInWithPasskey } = useAuth();
  const { t } = useI18n();
  const nav = useNavigate();
  const loc = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const to = (loc.state as { from?: string } | null)?.from ?? "/";
  if (user) return <Navigate to={to} replace />;

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      nav(to, { replace: true });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form
        className="card login-card"
        onSubmit={(e) => {
          e.preventDefault();
          run(() => signIn(email, password));
        }}
      >
        <div className="row spread">
          <h1>KreditKu admin</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t("Staff sign-in", "Masuk staf")}</p>
        <label>
          {t("Email", "Email")}
          <input type="email" name="email" autoComplete="username webauthn" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          {t("Password", "Kata sandi")}
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t("Signing in…", "Sedang masuk…") : t("Sign in", "Masuk")}
        </button>
        {browserSupportsWebAuthn() && (
          <button type="button" className="secondary" disabled={busy} onClick={() => run(signInWithPasskey)}>
            {t("Sign in with a passkey", "Masuk dengan passkey")}
          </button>
        )}
      </form>
    </main>
  );
}
