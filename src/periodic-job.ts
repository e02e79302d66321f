import { log } from './log.js';

/**
 * Runs `task` now and then every `everyMs`, one run at a time (a run still under way when the
 * next is due is not doubled). A failed run is logged as `what` and tried again at the next.
 * `stop` aborts the run under way through its signal and waits for it, so nothing writes after
 * the Redis client closes.
 */
export function runPeriodically(what: string, task: (signal: AbortSignal) => Promise<unknown>, everyMs: number) {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= task(stopping.signal)
      .then(() => undefined)
      .catch((error: unknown) => log.warn({ err: error }, `${what} failed; tried again at the next run`))
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, everyMs);
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
