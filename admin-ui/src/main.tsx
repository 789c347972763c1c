import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "./api.ts";
import { AuthProvider, useAuth } from "./auth.tsx";
import { LanguageProvider } from "./i18n/index.tsx";
import { NAV, type Role } from "./nav.ts";
import { Layout } from "./components/Layout.tsx";
import { Forbidden } from "./components/States.tsx";
import { Login } from "./pages/Login.tsx";
import { Overview } from "./pages/Overview.tsx";
import { Applications, Borrowers, Collections, Loans, Payments } from "./pages/Lists.tsx";
import { AuditTrail } from "./pages/AuditTrail.tsx";
import { Approvals } from "./pages/Approvals.tsx";
import { Staff } from "./pages/Staff.tsx";
import { FraudRules } from "./pages/FraudRules.tsx";
import { StuckApplications } from "./pages/StuckApplications.tsx";
import { RollRates } from "./pages/RollRates.tsx";
import { Caps } from "./pages/Caps.tsx";
import { CollectionsSettings } from "./pages/CollectionsSettings.tsx";
import { Jobs } from "./pages/Jobs.tsx";
import { Ledger } from "./pages/Ledger.tsx";
import { BorrowerDetail } from "./pages/Details.tsx";
import { ApplicationReview } from "./pages/ApplicationReview.tsx";
import { LoanAccount } from "./pages/LoanAccount.tsx";
import { Webhooks } from "./pages/Webhooks.tsx";
import { Products } from "./pages/Products.tsx";
import { Blocklist } from "./pages/Blocklist.tsx";
import { Account } from "./pages/Account.tsx";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
  },
});

function RequireUser({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const loc = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: loc.pathname + loc.search }} />;
  return <>{children}</>;
}

/** Pages check the role too: a wrong role sees a Forbidden page, the API answers 403 regardless. */
function Guard({ path, children }: { path: string; children: ReactNode }) {
  const { user } = useAuth();
  const roles: Role[] = NAV.find((n) => n.path === path)?.roles ?? [];
  if (!user || !roles.includes(user.role)) return <Forbidden />;
  return <>{children}</>;
}

function NotFound() {
  return (
    <div className="state">
      <h2>Page not found</h2>
    </div>
  );
}

const g = (path: string, el: ReactNode) => <Guard path={path}>{el}</Guard>;

function App() {
  return (
    <Routes>
      <Route path="/login" element={<Login />} />
      <Route
        element={
          <RequireUser>
            <Layout />
          </RequireUser>
        }
      >
        <Route index element={g("/", <Overview />)} />
        <Route path="applications" element={g("/applications", <Applications />)} />
        <Route path="applications/:id" element={g("/applications", <ApplicationReview />)} />
        <Route path="borrowers" element={g("/borrowers", <Borrowers />)} />
        <Route path="borrowers/:id" element={g("/borrowers", <BorrowerDetail />)} />
        <Route path="loans" element={g("/loans", <Loans />)} />
        <Route path="loans/:id" element={g("/loans", <LoanAccount />)} />
        <Route path="payments" element={g("/payments", <Payments />)} />
        <Route path="webhooks" element={g("/webhooks", <Webhooks />)} />
        <Route path="collections" element={g("/collections", <Collections />)} />
        <Route path="ledger" element={g("/ledger", <Ledger />)} />
        <Route path="products" element={g("/products", <Products />)} />
        <Route path="blocklist" element={g("/blocklist", <Blocklist />)} />
        <Route path="audit" element={g("/audit", <AuditTrail />)} />
        <Route path="approvals" element={g("/approvals", <Approvals />)} />
        <Route path="jobs" element={g("/jobs", <Jobs />)} />
        <Route path="staff" element={g("/staff", <Staff />)} />
        <Route path="fraud-rules" element={g("/fraud-rules", <FraudRules />)} />
        <Route path="stuck-applications" element={g("/stuck-applications", <StuckApplications />)} />
        <Route path="roll-rates" element={g("/roll-rates", <RollRates />)} />
        <Route path="caps" element={g("/caps", <Caps />)} />
        <Route path="collections-settings" element={g("/collections-settings", <CollectionsSettings />)} />
        <Route path="account" element={<Account />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename="/_/admin">
        <LanguageProvider>
          <AuthProvider>
            <App />
          </AuthProvider>
        </LanguageProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
