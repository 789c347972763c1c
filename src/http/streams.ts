// Long-lived response streams (server-sent events) per caller: at most `max` open at once for one user (or, on a
// public stream route, one client IP). Opening one more closes that caller's oldest stream, so a client that leaks
// or floods connections holds a bounded number of server timers and sockets. The route's own stream is cancelled
// when its wrapper closes, so the route's cleanup (cancel) runs.
import type { Context } from "hono";
import type { AppEnv, Platform } from "./types.ts";
import { clientIp } from "./rate-limit.ts";
import type { RouteResult } from "./route.ts";

export const MAX_STREAMS_PER_CALLER = 5;

interface OpenStream {
  close(): void;
}

export class StreamLimiter {
  private open = new Map<string, Set<OpenStream>>();

  constructor(readonly max = MAX_STREAMS_PER_CALLER) {
    if (!Number.isInteger(max) || max < 1) throw new Error("stream limit must be a positive integer");
  }

  /** Streams the caller has open now. */
  count(owner: string): number {
    return this.open.get(owner)?.size ?? 0;
  }

  /** Wrap `inner` so it counts against `owner`; closes the owner's oldest streams beyond the limit. */
  track(owner: string, inner: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = inner.getReader();
    const streams = this.open.get(owner) ?? new Set<OpenStream>();
    this.open.set(owner, streams);
    let finished = false;
    let entry: OpenStream | undefined;
    const finish = () => {
      if (finished) return false;
      finished = true;
      if (entry) streams.delete(entry);
      if (streams.size === 0 && this.open.get(owner) === streams) this.open.delete(owner);
      return true;
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        entry = {
          close: () => {
            if (!finish()) return;
            try {
              controller.close();
            } catch {
              /* already closed */
            }
            reader.cancel("closed: too many open streams for this caller").catch(() => {});
          },
        };
        streams.add(entry);
        for (const oldest of streams) {
          if (streams.size <= this.max) break;
          oldest.close();
        }
      },
      pull: async (controller) => {
        try {
          const { value, done } = await reader.read();
          if (finished) return;
          if (done) {
            finish();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          if (finish()) controller.error(err);
        }
      },
      cancel: (reason) => {
        finish();
        return reader.cancel(reason);
      },
    });
  }
}

const limiters = new WeakMap<Platform, StreamLimiter>();

/** The platform's stream limiter (one per running server). */
export function streamLimiter(p: Platform): StreamLimiter {
  let l = limiters.get(p);
  if (!l) limiters.set(p, (l = new StreamLimiter()));
  return l;
}

/** A route result with its stream (if any) counted against the caller: the user, or the client IP when anonymous. */
export function limitStreams(p: Platform, c: Context<AppEnv>, res: RouteResult): RouteResult {
  if (!("stream" in res)) return res;
  const owner = c.get("user")?.id ?? `ip:${clientIp(c)}`;
  return { ...res, stream: streamLimiter(p).track(owner, res.stream) };
}
