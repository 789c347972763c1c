// Pages, who may open them, and the navigation built from them.
import type { User } from "./api.ts";

export type Role = User["role"];
export interface NavItem {
  path: string;
  label: string;
  /** The label in Bahasa Indonesia. */
  labelId: string;
  roles: Role[];
}

export const NAV: NavItem[] = [
  { path: "/", label: "Overview", labelId: "Ringkasan", roles: ["admin", "analyst", "finance"] },
  { path: "/applications", label: "Applications", labelId: "Pengajuan", roles: ["admin", "analyst", "finance"] },
  { path: "/borrowers", label: "Borrowers", labelId: "Peminjam", roles: ["admin", "analyst"] },
  { path: "/loans", label: "Loans", labelId: "Pinjaman", roles: ["admin", "analyst", "finance"] },
  { path: "/payments", label: "Payments", labelId: "Pembayaran", roles: ["admin", "analyst", "finance"] },
  { path: "/webhooks", label: "Webhook log", labelId: "Log webhook", roles: ["admin", "finance"] },
  { path: "/collections", label: "Collections", labelId: "Penagihan", roles: ["admin", "analyst", "finance"] },
  { path: "/ledger", label: "Ledger", labelId: "Buku besar", roles: ["admin", "finance"] },
  { path: "/products", label: "Products", labelId: "Produk", roles: ["admin", "analyst", "finance"] },
  { path: "/blocklist", label: "Blocklist", labelId: "Daftar blokir", roles: ["admin", "analyst"] },
  { path: "/audit", label: "Audit trail", labelId: "Jejak audit", roles: ["admin", "analyst", "finance"] },
  { path: "/approvals", label: "Approvals", labelId: "Persetujuan", roles: ["admin", "analyst", "finance"] },
  { path: "/jobs", label: "Jobs", labelId: "Tugas latar", roles: ["admin"] },
  { path: "/staff", label: "Staff", labelId: "Staf", roles: ["admin"] },
  { path: "/fraud-rules", label: "Fraud rules", labelId: "Aturan fraud", roles: ["admin", "analyst"] },
  { path: "/stuck-applications", label: "Stuck in checking", labelId: "Tertahan di pemeriksaan", roles: ["admin", "analyst"] },
  { path: "/roll-rates", label: "Roll rates", labelId: "Roll rate", roles: ["admin", "analyst", "finance"] },
  { path: "/caps", label: "Regulatory caps", labelId: "Batas regulasi", roles: ["admin", "analyst", "finance"] },
  { path: "/collections-settings", label: "Write-off and sweep", labelId: "Hapus buku dan sweep", roles: ["admin", "analyst", "finance"] },
];

export const canOpen = (path: string, role: Role | undefined) => {
  const item = NAV.find((n) => n.path === path);
  return !!role && !!item && item.roles.includes(role);
};
