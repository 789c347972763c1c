import { useState } from "react";
import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../auth.tsx";
import { NAV } from "../nav.ts";
import { LanguageSwitch, useI18n } from "../i18n/index.tsx";
import { SearchBox } from "./SearchBox.tsx";

export function Layout() {
  const { user, signOut } = useAuth();
  const { t, val } = useI18n();
  const [open, setOpen] = useState(false);
  const items = NAV.filter((n) => user && n.roles.includes(user.role));
  return (
    <div className="shell">
      <header className="topbar">
        <button type="button" className="menu-toggle secondary" aria-label="Menu" aria-expanded={open} onClick={() => setOpen(!open)}>
          ☰
        </button>
        <span className="brand">KreditKu</span>
        {user && user.role !== "borrower" && <SearchBox />}
        <NavLink className="who" data-testid="who" to="/account" title="Account and passkeys">
          {user?.email ?? user?.id} · <span className={`role r-${user?.role}`}>{val(user?.role)}</span>
        </NavLink>
        <LanguageSwitch />
        <button type="button" className="secondary" onClick={() => signOut()}>
          {t("Sign out", "Keluar")}
        </button>
      </header>
      <nav className={`sidebar${open ? " open" : ""}`} aria-label="Main">
        {items.map((n) => (
          <NavLink key={n.path} to={n.path} end={n.path === "/"} onClick={() => setOpen(false)}>
            {t(n.label, n.labelId)}
          </NavLink>
        ))}
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
