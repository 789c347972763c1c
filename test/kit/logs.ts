// Waiting for a log line: servers and workers under test log JSON lines; tests wait for one (a "listening" line
// with the port, a job having run) instead of sleeping.
import { waitFor } from "./wait.ts";

export type LogMatch = string | RegExp | ((line: string) => boolean);

const matches = (line: string, m: LogMatch) => (typeof m === "string" ? line.includes(m) : m instanceof RegExp ? m.test(line) : m(line));

/** The first line in lines (which may still be growing) that matches; throws after timeoutMs with the lines so far. */
export async function waitForLog(lines: readonly string[], match: LogMatch, timeoutMs = 20_000, from = 0): Promise<string> {
  try {
    return await waitFor(() => lines.slice(from).find((l) => matches(l, match)), timeoutMs, `a log line matching ${String(match)}`, 20);
  } catch (e) {
    throw new Error(`${(e as Error).message}:\n${lines.join("\n")}`);
  }
}

/**
 * Read a child process's stdout and stderr line by line into lines (and call onLine for each), until both end.
 * With keep, only about the last `keep` lines are kept (long-running processes).
 */
export async function collectLines(streams: ReadableStream<Uint8Array>[], lines: string[], onLine?: (line: string) => void, keep = Infinity): Promise<void> {
  const push = (line: string) => {
    if (lines.length >= keep) lines.splice(0, Math.ceil(keep / 2));
    lines.push(line);
    onLine?.(line);
  };
  await Promise.all(
    streams.map(async (stream) => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of stream) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          push(line);
        }
      }
      if (buf) push(buf);
    }),
  );
}
