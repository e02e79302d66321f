import { availableParallelism } from 'node:os';
import { startRedisServer } from '../src/lab/redis-server.js';
import { createCallQueue } from '../src/queue/call-queue.js';
import { keys } from '../src/store/keys.js';
import { type RedisClient, connectRedisTo, sendCommand } from '../src/store/redis-client.js';
import { mediaIds } from '../src/media/media-ids.js';

const SEQUENTIAL = Number(process.env.BENCH_OPERATIONS ?? 2_000);
const CONCURRENT = SEQUENTIAL * 5;
/** Requests in flight at once, as in `npm run bench -- queues`. */
const CONCURRENCY = 50;

/**
 * `npm run bench -- replica-ack`: what waiting for a replica costs a state change
 * (store/replica-ack.ts, WAIT after each Lua script that writes). A primary and its replica,
 * as the lab's `--ha` runs them (append-only, fsync always), on this machine; the same script
 * (enqueue: record, queue, indexes, event) answered at once, and answered once the replica has
 * it: latency one at a time (p50, p99), and changes per second with 50 in flight.
 */
export async function run(): Promise<void> {
  const primary = await startRedisServer({ appendonly: true });
  const replica = await startRedisServer({ appendonly: true, replicaOf: { host: '127.0.0.1', port: primary.port } });
  try {
    console.log(
      `\nreplica-ack: primary :${primary.port}, replica :${replica.port}, append-only, fsync always (machine: ${availableParallelism()} cores)`,
    );
    const plain = await connectRedisTo({ url: primary.url }, { name: 'bench-plain', ackReplicas: 0 });
    const acked = await connectRedisTo({ url: primary.url }, { name: 'bench-acked', ackReplicas: 1 });
    try {
      // The replica first in step: WAIT would otherwise time out on a sync still under way.
      await sendCommand(acked.client, ['WAIT', '1', '5000']);
      console.log(
        `\n${'enqueue'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'per s, 50 in flight'.padStart(22)}`,
      );
      for (const [label, client] of [
        ['answered at once', plain.client],
        ['answered once the replica has it', acked.client],
        ['answered at once (again)', plain.client],
      ] as const) {
        const { p50, p99, perSecond } = await measure(client, label);
        console.log(
          `${label.padEnd(40)} ${p50.toFixed(2).padStart(8)} ${p99.toFixed(2).padStart(8)} ${perSecond.toFixed(0).padStart(22)}`,
        );
      }
      console.log(`replicas confirming throughout: ${acked.replicas?.state().confirming}`);
    } finally {
      acked.replicas?.stop();
      await Promise.all([plain.client.close(), acked.client.close()]);
    }
  } finally {
    await Promise.all([replica.stop(), primary.stop()]);
  }
}

async function measure(client: RedisClient, label: string): Promise<{ p50: number; p99: number; perSecond: number }> {
  const k = keys(`bench-ack-${label.replace(/\W+/g, '-')}`);
  const queue = createCallQueue(client, k, mediaIds);
  const callOf = (id: string) => ({
    callId: id,
    channelId: id,
    municipalityId: '2460',
    calledNumber: '+4693514100',
    caller: '+46701234567',
    reason: 'main-number' as const,
  });
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const started = performance.now();
    await queue.enqueue(callOf(`s${i}`));
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < CONCURRENT; i = next++) await queue.enqueue(callOf(`c${i}`));
    }),
  );
  const perSecond = CONCURRENT / ((performance.now() - started) / 1000);
  return {
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.ceil(latencies.length * 0.99) - 1]!,
    perSecond,
  };
}
