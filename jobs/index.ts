// Every background job, one file each (payload, where it runs, retries, schedule, handler, apply), listed
// statically for `bun build --compile`. Handlers enqueue a job by its handle (the definition exported by its file),
// never by name. A job of an extension is installed with that extension (the extension lists the handle in its
// `jobs`), so an extension that is not installed brings no jobs; JOBS are the ones of no extension, which the
// composition root installs.
import type { Installed } from "../src/runtime/index.ts";
import { outboxPurgeJob } from "./outbox-purge.ts";
import { fraudCheckJob } from "./fraud-check.ts";
import { scoreApplicationJob } from "./score-application.ts";
import { decideApplicationJob } from "./decide-application.ts";
import { disburseJob } from "./disburse.ts";
import { issueVirtualAccountJob } from "./issue-virtual-account.ts";
import { reconcilePaymentsJob } from "./reconcile-payments.ts";
import { reconcileDisbursementsJob } from "./reconcile-disbursements.ts";
import { sendReminderJob } from "./send-reminder.ts";
import { delinquencySweepJob } from "./delinquency-sweep.ts";

/** The jobs of no extension (platform maintenance), installed by src/main.ts. */
export const JOBS: Installed["jobs"] = [outboxPurgeJob];

/** Every job definition in this folder. */
export const ALL_JOBS: Installed["jobs"] = [
  outboxPurgeJob,
  fraudCheckJob,
  scoreApplicationJob,
  decideApplicationJob,
  disburseJob,
  issueVirtualAccountJob,
  reconcilePaymentsJob,
  reconcileDisbursementsJob,
  sendReminderJob,
  delinquencySweepJob,
];
