import { setTimeout as sleep } from 'node:timers/promises';
import { createOperatorStore } from '../src/operators/operator-store.js';
import { createCallQueue } from '../src/queue/call-queue.js';
import { keys } from '../src/store/keys.js';
import { connectRedis } from '../src/store/redis-client.js';
import { mediaIds } from '../src/media/media-ids.js';

/**
 * The queue traffic of `npm run bench -- import` (bench/import.ts forks this file): callers of
 * every municipality arriving, offered to an operator, given back and hanging up, each step one
 * of the queue's scripts (src/queue/call-queue.ts), `OPS_PER_SECOND` in all, started on a clock
 * whatever the answers (so a stalled Redis shows as latency, not as fewer operations). In a
 * process of its own, so that the importing process's work does not delay it. Each operation is
 * reported as [start (ms since the epoch), round trip (ms), ok].
 */

export type Sample = [startedAt: number, ms: number, ok: 0 | 1];
export type LoadMessage = { type: 'ready' } | { type: 'samples'; samples: Sample[]; errors: string[] };

const MUNICIPALITIES = ['2403', '2401', '2409', '2480', '2404', '2460', '2284'];
/** A cycle is four operations: enqueue, claim, requeue, finish. */
const OPERATIONS_PER_CYCLE = 4;

const [url, prefix, rate] = process.argv.slice(2) as [string, string, string];
const opsPerSecond = Number(rate);
const redis = await connectRedis(url, { name: 'bench-queues' });
const k = keys(prefix);
const queue = createCallQueue(redis, k, mediaIds);
const operators = createOperatorStore(redis, k);
const now = () => performance.timeOrigin + performance.now();
const samples: Sample[] = [];
const errors: string[] = [];

async function timed<T>(operation: () => Promise<T>): Promise<T | undefined> {
  const started = now();
  try {
    const result = await operation();
    samples.push([started, now() - started, 1]);
    return result;
  } catch (error) {
    samples.push([started, now() - started, 0]);
    if (errors.length < 20) errors.push(String(error));
    return undefined;
  }
}

/** One caller: queued, offered to an operator of its own (claimed), not answered (requeued), hangs up (finished). */
async function cycle(n: number, operatorId: string): Promise<void> {
  const callId = `bench-${n}`;
  const municipalityId = MUNICIPALITIES[n % MUNICIPALITIES.length]!;
  await timed(() =>
    queue.enqueue({
      callId,
      channelId: callId,
      municipalityId,
      calledNumber: '+4693514100',
      caller: '+46701234567',
      reason: 'main-number',
    }),
  );
  const offered = await timed(() => queue.claimCall(operatorId, callId));
  if (offered?.operatorChannelId) await timed(() => queue.requeue(callId, offered.operatorChannelId!));
  await timed(() => queue.finish(callId));
}

const idle: string[] = [];
for (let o = 0; o < 200; o++) {
  await operators.login(`bench-op${o}`, {
    name: `bench-op${o}`,
    phone: `sip:op${o}@bench`,
    municipalities: MUNICIPALITIES,
  });
  idle.push(`bench-op${o}`);
}
let running = true;
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') running = false;
});
process.send!({ type: 'ready' } satisfies LoadMessage);

const intervalMs = (1000 * OPERATIONS_PER_CYCLE) / opsPerSecond;
const pending = new Set<Promise<void>>();
const startedAt = now();
for (let n = 0; running; n++) {
  const operatorId = idle.pop();
  if (operatorId) {
    const one = cycle(n, operatorId).finally(() => {
      idle.push(operatorId);
      pending.delete(one);
    });
    pending.add(one);
  } else if (errors.length < 20) {
    errors.push(`cycle ${n}: no idle operator (200 cycles in flight): Redis stalled`);
  }
  // On a clock, not after each answer: a slow Redis does not slow the arrivals.
  await sleep(Math.max(0, startedAt + (n + 1) * intervalMs - now()));
}
await Promise.all(pending);
process.send!({ type: 'samples', samples, errors } satisfies LoadMessage, () => {
  void redis.close().then(() => process.exit(0));
});
