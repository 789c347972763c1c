// Pages, who may open them, and the navigation built from them.
import type { User } from "./api.ts";

export type Role = User["role"];
export interface NavItem {
  path: string;
  label: string;
  roles: Role[];
}

export const NAV: NavItem[] = [
  { path: "/", label: "Overview", roles: ["admin", "analyst", "finance"] },
  { path: "/applications", label: "Applications", roles: ["admin", "analyst", "finance"] },
  { path: "/borrowers", label: "Borrowers", roles: ["admin", "analyst"] },
  { path: "/loans", label: "Loans", roles: ["admin", "analyst", "finance"] },
  { path: "/payments", label: "Payments", roles: ["admin", "analyst", "finance"] },
  { path: "/webhooks", label: "Webhook log", roles: ["admin", "finance"] },
  { path: "/collections", label: "Collections", roles: ["admin", "analyst", "finance"] },
  { path: "/ledger", label: "Ledger", roles: ["admin", "finance"] },
  { path: "/products", label: "Products", roles: ["admin", "analyst", "finance"] },
  { path: "/blocklist", label: "Blocklist", roles: ["admin", "analyst"] },
  { path: "/audit", label: "Audit log", roles: ["admin"] },
  { path: "/jobs", label: "Jobs", roles: ["admin"] },
  { path: "/staff", label: "Staff", roles: ["admin"] },
];

export const canOpen = (path: string, role: Role | undefined) => {
  const item = NAV.find((n) => n.path === path);
  return !!role && !!item && item.roles.includes(role);
};
