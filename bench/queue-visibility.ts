import { eventually, startLabSwitchboard } from '../test/support/lab-switchboard.js';
import { SCENARIOS, startSipp } from '../test/support/sipp.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 30);

/**
 * "A call to 0935-141 00 is visible under Vännäs in the queue API within 1 s." One call at a
 * time, each timed from starting its SIPp caller until (a) Asterisk lists its channel (the
 * baseline: SIP set-up alone) and (b) GET /api/v1/queues/2460 lists it. The difference is what
 * routing, answering, holding and enqueueing add.
 */
export async function run(): Promise<void> {
  const lab = await startLabSwitchboard();
  const target = `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`;
  const asteriskMs: number[] = [];
  const queueMs: number[] = [];
  try {
    for (let i = 0; i < CALLS; i++) {
      const started = performance.now();
      const caller = await startSipp({
        scenarioFile: SCENARIOS.caller,
        remote: target,
        service: '093514100',
        calls: 1,
        vars: { hangup_after_ms: '300' },
        timeoutMs: 30_000,
      });
      // Two back-to-back pollers, one per observer, so neither waits for the other.
      const [asterisk, queue] = await Promise.all([
        firstSeen(started, async () => (await lab.ari<unknown[]>('/ari/channels')).body.length > 0),
        firstSeen(
          started,
          async () => (await lab.api<{ calls: unknown[] }>('GET', '/api/v1/queues/2460')).body.calls.length > 0,
        ),
      ]);
      asteriskMs.push(asterisk);
      queueMs.push(queue);
      await caller.done;
      await eventually(async () => ((await lab.ari<unknown[]>('/ari/channels')).body.length === 0 ? true : undefined));
    }
  } finally {
    await lab.stop();
  }
  const row = (label: string, samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0).padStart(6);
    return `${label.padEnd(44)} ${at(0.5)} ${at(0.95)} ${sorted.at(-1)!.toFixed(0).padStart(6)}`;
  };
  console.log(`\nqueue-visibility: ${CALLS} calls to 0935-141 00, one at a time (ms from starting the SIPp caller)`);
  console.log(`${''.padEnd(44)}    p50    p95    max`);
  console.log(row('baseline: Asterisk lists the channel', asteriskMs));
  console.log(row('Regionväxeln: queue API lists the call', queueMs));
  console.log(`target: visible within 1000 ms — ${Math.max(...queueMs) < 1000 ? 'met' : 'NOT met'} for every call`);
}

/** Milliseconds from `started` until `seen()` first answers true (polled without pause, 5 s at most). */
async function firstSeen(started: number, seen: () => Promise<boolean>): Promise<number> {
  while (!(await seen())) {
    if (performance.now() - started > 5_000) throw new Error('not seen within 5 s');
  }
  return performance.now() - started;
}
