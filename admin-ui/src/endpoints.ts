// Domain endpoints the dashboard calls beyond the record APIs (owned by the loans, scoring, fraud and payments
// features). A 404/405 from one of them shows a "not available" state.
export const EP = {
  application: (id: string) => `/api/v1/admin/applications/${encodeURIComponent(id)}`,
  decision: (id: string) => `/api/v1/admin/applications/${encodeURIComponent(id)}/decision`,
  explanation: (id: string) => `/api/v1/admin/applications/${encodeURIComponent(id)}/explanation`,
  webhookReplay: (id: string | number) => `/api/v1/admin/webhook-events/${id}/replay`,
  jobsSummary: "/api/v1/admin/jobs/summary",
  jobRetry: (id: string | number) => `/api/v1/admin/jobs/${encodeURIComponent(String(id))}/retry`,
  products: "/api/v1/admin/products",
  product: (id: string) => `/api/v1/admin/products/${encodeURIComponent(id)}`,
  pricingCheck: "/api/v1/admin/products/pricing-check",
  search: "/api/v1/admin/search",
  blocklist: "/api/v1/admin/blocklist",
  blocklistEntry: (id: string) => `/api/v1/admin/blocklist/${encodeURIComponent(id)}`,
  paymentResolve: (id: string) => `/api/v1/admin/payments/${encodeURIComponent(id)}/resolve`,
  loanRefunds: (id: string) => `/api/v1/admin/loans/${encodeURIComponent(id)}/refunds`,
  loanWriteOff: (id: string) => `/api/v1/admin/loans/${encodeURIComponent(id)}/write-off`,
  collectionsSettings: "/api/v1/admin/collections/settings",
};

/** The OpenAPI path templates of those endpoints (for useCapabilities().has). */
export const T = {
  application: "/api/v1/admin/applications/{id}",
  decision: "/api/v1/admin/applications/{id}/decision",
  explanation: "/api/v1/admin/applications/{id}/explanation",
  webhookReplay: "/api/v1/admin/webhook-events/{id}/replay",
  jobsSummary: "/api/v1/admin/jobs/summary",
  jobRetry: "/api/v1/admin/jobs/{id}/retry",
  products: "/api/v1/admin/products",
  product: "/api/v1/admin/products/{id}",
  blocklist: "/api/v1/admin/blocklist",
  blocklistEntry: "/api/v1/admin/blocklist/{id}",
  paymentResolve: "/api/v1/admin/payments/{id}/resolve",
  loanRefunds: "/api/v1/admin/loans/{id}/refunds",
  loanWriteOff: "/api/v1/admin/loans/{id}/write-off",
  collectionsSettings: "/api/v1/admin/collections/settings",
};

/**
 * Roles each write route allows (its `access` in the payments / collections extensions). The dashboard shows an
 * action only to these roles; the API refuses everyone else regardless.
 */
export const WRITE_ROLES = {
  paymentResolve: ["finance"],
  loanRefunds: ["finance"],
  loanWriteOff: ["finance", "admin"],
} as const satisfies Record<string, readonly string[]>;
