// The platform's own record APIs: staff users, the audit log and the job outbox. Extensions declare the records
// over their tables themselves (defineExtension records); the records module mounts both. A declaration whose
// table/view does not exist in the running schema is skipped at start; declared columns the table lacks are
// dropped. Columns not declared are never returned (password hashes, blob keys, token hashes…).
//
// Access rules: `true` = every row; a string is an SQL expression over the row (alias r) and the caller
// ($caller.id / $caller.role, bound). A role that is not listed gets 403. PII columns are masked (or removed) for
// roles outside `visibleTo`, and those roles may not filter, sort or search on them.
import type { RecordDecl } from "./engine.ts";
import { id, int, ref, status, time, txt } from "./columns.ts";

export const PLATFORM_RECORDS: RecordDecl[] = [
  {
    name: "staff",
    label: "Staff users",
    source: "users",
    where: "r.role <> 'borrower'",
    columns: { id, email: txt({ filter: ["eq"], search: true, sortable: true }), role: status, display_name: txt({ search: true }), status, locked_until: txt(), created_at: time },
    access: { admin: true },
    defaultSort: { column: "created_at", dir: "desc" },
  },
  {
    name: "audit_log",
    label: "Audit log (sign-ins and the business trail; entity_type/entity_id name the record an entry is about)",
    source: "audit_log",
    columns: {
      id: { type: "integer", filter: ["eq", "gte", "lte"], sortable: true },
      at: time,
      event: { type: "text", filter: ["eq", "in"], sortable: true, search: true },
      user_id: ref,
      actor_id: ref,
      ip: txt({ filter: ["eq"] }),
      user_agent: txt(),
      details: txt({ search: true }),
      entity_type: status,
      entity_id: ref,
    },
    access: { admin: true },
    defaultSort: { column: "id", dir: "desc" },
  },
  {
    name: "jobs",
    label: "Jobs (outbox)",
    source: "outbox",
    columns: {
      id: { type: "integer", filter: ["eq", "gte", "lte"], sortable: true },
      key: txt({ filter: ["eq"], search: true }),
      kind: status,
      name: { type: "text", filter: ["eq", "in"], sortable: true, search: true },
      queue: status,
      state: status,
      attempts: { type: "integer", filter: ["gte", "lte"], sortable: true },
      max_attempts: int,
      run_at: { type: "integer", filter: ["gte", "lte"], sortable: true },
      last_error: txt({ search: true }),
      payload: txt(),
      created_at: { type: "integer", filter: ["gte", "lte"], sortable: true },
      updated_at: { type: "integer", sortable: true },
    },
    access: { admin: true },
    defaultSort: { column: "id", dir: "desc" },
  },
];
