// One JSON object per line on stdout (stderr for errors); fields merge left to right.
import { writeSync } from "node:fs";
import { activeTraceIds } from "./tracing.ts";
export type Level = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type Sink = (line: string, level: Level) => void;

// Long-running processes (serve, worker) batch stdout lines: one write per event-loop turn instead of one write
// syscall per line (a job or request logs at least one line; on a busy server the per-line writes were ~10 % of
// the CPU of the job runner). Lines keep their order; errors (stderr) flush what is pending first and are
// written at once; what is pending at exit is written synchronously.
let batching = false;
let pending: string[] = [];
let scheduled = false;

function flushPending() {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  process.stdout.write(text);
}

/** Batch stdout log lines per event-loop turn (serve and worker call this once at start). */
export function batchLogWrites() {
  if (batching) return;
  batching = true;
  process.on("exit", () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    try {
      writeSync(1, text);
    } catch {
      /* stdout closed */
    }
  });
}

const defaultSink: Sink = (line, level) => {
  if (level === "error") {
    if (pending.length) flushPending();
    process.stderr.write(line + "\n");
  } else if (!batching) {
    process.stdout.write(line + "\n");
  } else {
    pending.push(line + "\n");
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushPending);
    }
  }
};

function errorFields(fields?: Record<string, unknown>) {
  if (!fields) return fields;
  let hasError = false;
  for (const k in fields) {
    if (fields[k] instanceof Error) {
      hasError = true;
      break;
    }
  }
  if (!hasError) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
  }
  return out;
}

let lastMs = 0;
let lastIso = "";
/** The current time as ISO 8601, formatted once per millisecond (a busy server logs many lines within one). */
function isoNow() {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function createLogger(level: Level = "info", base: Record<string, unknown> = {}, sink: Sink = defaultSink): Logger {
  const min = ORDER[level];
  const write = (lvl: Exclude<Level, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    // inside an active span (tracing on) the line carries its trace and span ids
    const ids = activeTraceIds();
    sink(JSON.stringify({ time: isoNow(), level: lvl, msg, ...base, ...ids, ...errorFields(fields) }), lvl);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (f) => createLogger(level, { ...base, ...f }, sink),
  };
}
