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

// Long-running processes (serve, worker) batch stdout lines: one write per event-loop turn (or sooner once 64 KiB are
// pending) instead of one write syscall per line (a job or request logs at least one line; on a busy server the
// per-line writes were ~10 % of the CPU of the job runner). A line is written before the next turn, so what reads the
// log right after an effect finds its line. Lines keep their order; errors (stderr) flush what is pending first and
// are written at once; what is pending at exit is written synchronously.
let batching = false;
let pending: string[] = [];
let pendingChars = 0;
let scheduled = false;
const FLUSH_CHARS = 64 * 1024;

function flushPending() {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  pendingChars = 0;
  process.stdout.write(text);
}

/** Batch stdout log lines (serve and worker call this once at start). */
export function batchLogWrites() {
  if (batching) return;
  batching = true;
  process.on("exit", () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    pendingChars = 0;
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
    pendingChars += line.length + 1;
    if (pendingChars >= FLUSH_CHARS) flushPending();
    else if (!scheduled) {
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

/** Field names of the line itself: a field of the same name replaces it (the general path merges them). */
const OWN_KEYS = ["time", "level", "msg"];

/**
 * The line of a logger without base fields, outside a span, for fields that hold no Error and none of the line's
 * own keys: `{"time":…,"level":…,"msg":…` then the fields' own JSON, without merging them into a new object first
 * (the access log writes one per request). null when the general path must merge.
 */
function plainLine(lvl: string, msg: string, fields: Record<string, unknown> | undefined): string | null {
  const head = `{"time":"${isoNow()}","level":"${lvl}","msg":${JSON.stringify(msg)}`;
  if (fields === undefined) return `${head}}`;
  for (const k in fields) {
    const v = fields[k];
    if (v instanceof Error || OWN_KEYS.includes(k)) return null;
  }
  const rest = JSON.stringify(fields);
  if (rest[0] !== "{") return null;
  return rest.length > 2 ? `${head},${rest.slice(1)}` : `${head}}`;
}

export function createLogger(level: Level = "info", base: Record<string, unknown> = {}, sink: Sink = defaultSink): Logger {
  const min = ORDER[level];
  const plain = Object.keys(base).length === 0;
  const write = (lvl: Exclude<Level, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    // inside an active span (tracing on) the line carries its trace and span ids
    const ids = activeTraceIds();
    const line = plain && ids === null ? plainLine(lvl, msg, fields) : null;
    sink(line ?? JSON.stringify({ time: isoNow(), level: lvl, msg, ...base, ...ids, ...errorFields(fields) }), lvl);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (f) => createLogger(level, { ...base, ...f }, sink),
  };
}
