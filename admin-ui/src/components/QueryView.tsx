// What a page shows for a query (loading, its error with a retry, a note when there is nothing, or its content), and
// a table in its scrolling wrapper.
import type { ReactNode, TableHTMLAttributes } from "react";
import { ErrorState, Loading } from "./States.tsx";

/** The part of a TanStack query (plain or infinite) the view reads. */
export interface QueryStatus {
  isLoading: boolean;
  error: unknown;
  refetch: () => unknown;
}

/**
 * Loading; the query's error (with a retry); `empty` when given (what to show when there is nothing, e.g.
 * `items.length === 0 && <Empty>…</Empty>`); or `children()`, called only once the data is there.
 */
export function QueryView({ q, empty, children }: { q: QueryStatus; empty?: ReactNode; children: () => ReactNode }) {
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  if (empty) return <>{empty}</>;
  return <>{children()}</>;
}

/** A table in its scrolling wrapper: the header row's cells, then the rows. */
export function DataTable({ head, children, ...table }: { head: ReactNode; children: ReactNode } & TableHTMLAttributes<HTMLTableElement>) {
  return (
    <div className="table-wrap">
      <table {...table}>
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
