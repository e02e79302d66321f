import { execFile } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { startRedisServer } from '../src/lab/redis-server.js';
import { createOperatorStore } from '../src/operators/operator-store.js';
import { createCallQueue } from '../src/queue/call-queue.js';
import type { PriorityClassMatch } from '../src/queue/priority.js';
import { keys } from '../src/store/keys.js';
import { connectRedis, type RedisClient } from '../src/store/redis-client.js';
import { mediaIds } from '../src/media/media-ids.js';

const OPERATIONS = Number(process.env.BENCH_OPERATIONS ?? 20_000);
/** Requests in flight at once, as redis-benchmark's default 50 clients. */
const CONCURRENCY = 50;
const MUNICIPALITIES = ['2403', '2401', '2409', '2480', '2404', '2460', '2284'];
const WAITING_PER_QUEUE = 200;
const OPERATORS = 30;
const CHOICES = Number(process.env.BENCH_CHOICES ?? 10_000);
/** What the choice of the next call must stay under at p99, one operator's request on a quiet Redis. */
const CHOICE_P99_TARGET_MS = 5;

const run_ = promisify(execFile);

/**
 * `npm run bench -- queues`: the queue's Lua scripts on a real redis-server of their own.
 * 1. enqueue, claim (alone, and paired with a requeue) and abandon operations per second, 50
 *    in flight, beside redis-benchmark's rate (50 clients) for the raw commands they are made
 *    of (ZADD, HSET) and for EVAL of a trivial script, measured on the same server in the same run;
 * 2. the choice of the next call with 7 queues × 200 waiting callers (some in priority classes)
 *    and 30 operators serving all seven with different weights: latency p50/p99, alone and with
 *    the 30 operators asking at once, beside a plain ZRANGE round trip.
 */
export async function run(): Promise<void> {
  const server = await startRedisServer();
  const redis = await connectRedis(server.url, { name: 'bench' });
  try {
    console.log(
      `\nqueues: Lua scripts on redis-server at port ${server.port} (machine: ${availableParallelism()} cores)`,
    );
    const baseline = await redisBenchmark(server.port);
    const ours = await operationsPerSecond(redis);
    console.log(`\noperations per second, ${CONCURRENCY} in flight (${OPERATIONS} each)`);
    for (const [label, rate] of [...baseline, ...ours])
      console.log(`  ${label.padEnd(66)} ${rate.toFixed(0).padStart(8)}`);

    await nextCallLatency(redis);
  } finally {
    await redis.close();
    await server.stop();
  }
}

/** redis-benchmark on the same server: raw commands and the cheapest possible script. */
async function redisBenchmark(port: number): Promise<[string, number][]> {
  const common = ['-p', String(port), '-n', String(OPERATIONS * 5), '-c', String(CONCURRENCY), '-r', '100000', '-q'];
  const results: [string, number][] = [];
  const rate = (output: string) => Number(/([\d.]+) requests per second/.exec(output)?.[1] ?? Number.NaN);
  const raw = (await run_('redis-benchmark', [...common, '-t', 'zadd,hset'])).stdout;
  for (const line of raw.split(/\r|\n/).filter((l) => /requests per second/.test(l))) {
    results.push([`baseline: redis-benchmark ${line.split(':')[0]!.trim()}`, rate(line)]);
  }
  const script = "redis.call('HSET', KEYS[1], 'f', ARGV[1]) return redis.call('ZADD', KEYS[2], ARGV[1], KEYS[1])";
  const evalOut = (
    await run_('redis-benchmark', [...common, 'EVAL', script, '2', 'bench:h:__rand_int__', 'bench:z', '__rand_int__'])
  ).stdout;
  results.push(['baseline: redis-benchmark EVAL (a script: one HSET, one ZADD)', rate(evalOut)]);
  await run_('redis-cli', ['-p', String(port), 'FLUSHALL']);
  return results;
}

/** Runs `count` operations, by `CONCURRENCY` workers each doing one at a time; returns operations per second. */
async function rate(count: number, operation: (i: number, worker: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = next++; i < count; i = next++) await operation(i, worker);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function operationsPerSecond(redis: RedisClient): Promise<[string, number][]> {
  const k = keys('bench-ops');
  const queue = createCallQueue(redis, k, mediaIds, { wrapUpSeconds: 0 });
  const operators = createOperatorStore(redis, k);
  const callOf = (i: number) => ({
    callId: `c${i}`,
    channelId: `c${i}`,
    municipalityId: MUNICIPALITIES[i % MUNICIPALITIES.length]!,
    calledNumber: '+4693514100',
    caller: '+46701234567',
    reason: 'main-number' as const,
  });

  const enqueue = await rate(OPERATIONS, (i) => queue.enqueue(callOf(i)));
  // Each worker is an operator: claim the next call, then give it back (requeue, as when the
  // phone does not answer), so every claim chooses among full queues.
  for (let o = 0; o < CONCURRENCY; o++)
    await operators.login(`op${o}`, { name: `op${o}`, phone: `sip:op${o}@bench`, municipalities: MUNICIPALITIES });
  const claimRequeue = await rate(OPERATIONS, async (_, worker) => {
    const call = await queue.claimNext(`op${worker}`);
    await queue.requeue(call!.callId, call!.operatorChannelId!);
  });
  const abandon = await rate(OPERATIONS, (i) => queue.finish(`c${i}`));
  // Claim alone: a prepared set of waiting calls, each taken by an operator of its own who
  // logged in beforehand (a claim leaves its operator connecting), so nothing but claims is
  // timed. The queues empty as it runs; a claim reads only their heads, whatever their length.
  for (let i = 0; i < OPERATIONS; i++) await queue.enqueue({ ...callOf(i), callId: `k${i}`, channelId: `k${i}` });
  await rate(OPERATIONS, (i) =>
    operators.login(`claimer${i}`, {
      name: `claimer${i}`,
      phone: `sip:claimer${i}@bench`,
      municipalities: MUNICIPALITIES,
    }),
  );
  const claimOnly = await rate(OPERATIONS, async (i) => {
    if (!(await queue.claimNext(`claimer${i}`))) throw new Error(`claimer${i} found no call`);
  });
  return [
    ['Regionväxeln: enqueue (record, queue, indexes, event)', enqueue],
    ['Regionväxeln: claim of the next call, then requeue (pairs)', claimRequeue],
    ['Regionväxeln: claim alone (prepared calls, an operator for each)', claimOnly],
    ['Regionväxeln: abandon (a waiting caller hangs up)', abandon],
  ];
}

/** Latency of one claim (the next call chosen, taken and given back) in ms: p50, p99 and max. */
async function nextCallLatency(redis: RedisClient): Promise<void> {
  const k = keys('bench-choice');
  // One caller in five in a priority class, of two different boosts.
  const classify = (caller: string): PriorityClassMatch | undefined =>
    caller.endsWith('7')
      ? { priorityClass: 'member', boostSeconds: 120 }
      : caller.endsWith('3')
        ? { priorityClass: 'listed', boostSeconds: 30 }
        : undefined;
  const queue = createCallQueue(redis, k, mediaIds);
  const operators = createOperatorStore(redis, k);
  let n = 0;
  for (const municipalityId of MUNICIPALITIES) {
    for (let i = 0; i < WAITING_PER_QUEUE; i++, n++) {
      const from = `+4670123${String(n).padStart(4, '0')}`;
      await queue.enqueue(
        {
          callId: `w${n}`,
          channelId: `w${n}`,
          municipalityId,
          calledNumber: '+4693514100',
          caller: from,
          reason: 'main-number',
        },
        { priority: classify(from) },
      );
    }
  }
  for (let o = 0; o < OPERATORS; o++) {
    await operators.login(`op${o}`, {
      name: `op${o}`,
      phone: `sip:op${o}@bench`,
      municipalities: MUNICIPALITIES.map((id, m) => ({ id, weight: 1 + ((o + m) % 3) * 0.5 })),
    });
  }
  const claimOnce = async (operatorId: string, samples: number[]) => {
    const started = performance.now();
    const call = await queue.claimNext(operatorId);
    samples.push(performance.now() - started);
    await queue.requeue(call!.callId, call!.operatorChannelId!);
  };

  const zrange: number[] = [];
  for (let i = 0; i < CHOICES; i++) {
    const started = performance.now();
    await redis.zRange(k.queue(MUNICIPALITIES[i % MUNICIPALITIES.length]!), 0, 0);
    zrange.push(performance.now() - started);
  }
  const alone: number[] = [];
  for (let i = 0; i < CHOICES; i++) await claimOnce(`op${i % OPERATORS}`, alone);
  const together: number[] = [];
  await Promise.all(
    Array.from({ length: OPERATORS }, async (_, o) => {
      for (let i = 0; i < CHOICES / OPERATORS; i++) await claimOnce(`op${o}`, together);
    }),
  );
  const waiting = (await queue.waitingCounts(MUNICIPALITIES)) as Record<string, number>;
  if (Object.values(waiting).some((count) => count !== WAITING_PER_QUEUE))
    throw new Error(`queues changed size: ${JSON.stringify(waiting)}`);

  const row = (label: string, samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(3).padStart(8);
    return `  ${label.padEnd(66)} ${at(0.5)} ${at(0.99)} ${sorted.at(-1)!.toFixed(3).padStart(8)}`;
  };
  console.log(
    `\nchoosing the next call: ${MUNICIPALITIES.length} queues × ${WAITING_PER_QUEUE} waiting (1 in 5 in a priority class), ${OPERATORS} operators serving all with weights (ms, round trip)`,
  );
  console.log(`  ${''.padEnd(66)}      p50      p99      max`);
  console.log(row('baseline: ZRANGE queue 0 0, one at a time', zrange));
  console.log(row('Regionväxeln: claim of the next call, one operator at a time', alone));
  console.log(row(`Regionväxeln: claim of the next call, ${OPERATORS} operators at once`, together));
  const p99 = [...alone].sort((a, b) => a - b)[Math.floor(0.99 * alone.length)]!;
  console.log(
    `target: choice p99 under ${CHOICE_P99_TARGET_MS} ms — ${p99 < CHOICE_P99_TARGET_MS ? 'met' : 'NOT met'} (${p99.toFixed(3)} ms)`,
  );
  // Tails follow whatever else the machine runs: say how busy it was.
  console.log(`(load average over the last minute: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
}
