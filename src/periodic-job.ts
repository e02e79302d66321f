import { log } from './log.js';

/**
 * Runs `task` now (or first after `everyMs` when `atOnce` is false) and then every `everyMs`,
 * one run at a time (a run still under way when the next is due is not doubled). A failed run is
 * logged as `what` and tried again at the next. `stop` aborts the run under way through its
 * signal and waits for it, so nothing writes after the Redis client closes. Every periodic job
 * of the switchboard goes through here.
 */
export function runPeriodically(
  what: string,
  task: (signal: AbortSignal) => Promise<unknown>,
  everyMs: number,
  { atOnce = true }: { atOnce?: boolean } = {},
) {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => {
    if (stopping.signal.aborted) return Promise.resolve();
    running ??= task(stopping.signal)
      .then(() => undefined)
      .catch((error: unknown) => log.warn({ err: error }, `${what} failed; tried again at the next run`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  if (atOnce) void run();
  const timer = setInterval(run, everyMs);
  return {
    /** A run now rather than at the next tick, after the one under way if any (it may have read an older state). */
    async runNow(): Promise<void> {
      await running;
      await run();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}

export type PeriodicJob = ReturnType<typeof runPeriodically>;
