import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createAuditLog } from '../src/audit/audit-log.js';
import { createAdminStores } from '../src/admin/index.js';
import { loadRegionConfig } from '../src/config/load-region.js';
import { createDirectoryStore } from '../src/directory/directory-store.js';
import { createDiallingGuard } from '../src/dialling/dialling-guard.js';
import { createContactStore } from '../src/extensions/contact-store.js';
import { startRedisServer } from '../src/lab/redis-server.js';
import { parsePhoneNumber } from '../src/numbers/phone-number.js';
import { directNumberTarget } from '../src/routing/direct-number-owner.js';
import type { RouteTarget } from '../src/routing/route-target.js';
import { createMediaNodePool } from '../src/sip-edge/media-nodes/media-node-pool.js';
import { type EdgeRoutingDeps, routeInvite } from '../src/sip-edge/routing/route-invite.js';
import { keys } from '../src/store/keys.js';
import { connectRedis, type RedisClient } from '../src/store/redis-client.js';

const NUMBERS = Number(process.env.BENCH_NUMBERS ?? 100_000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 50_000);
const IN_FLIGHT = 64;

/**
 * `npm run bench -- routing`: the SIP edge's routing decision (sip-edge/routing/route-invite.ts
 * over the one routing core, with the real Redis directory, direct-number owners and contact
 * store) for calls from the trunk, with 100 000 numbers in a real redis-server: 90 % of the
 * calls to one of them (an exact number: one GET), 10 % to the config's direct-dial ranges
 * (a missed GET, a range look-up, the owner's claim). Beside it, the same number of plain
 * Redis GETs in the same run, one at a time (latency) and 64 in flight (throughput).
 */
export async function run(): Promise<void> {
  const server = await startRedisServer();
  const redis = await connectRedis(server.url, { name: 'bench-routing' });
  const k = keys(`bench-${randomUUID()}`);
  try {
    const region = await loadRegionConfig(resolve('config/region.yaml'));
    const directory = createDirectoryStore(redis, k);
    await directory.syncRegion(region);
    const numbers = await seedNumbers(
      redis,
      k,
      region.municipalities.map((m) => m.id),
    );
    const directDial = region.municipalities.flatMap((m) => m.directDialRanges.map((r) => r.from));
    const admin = createAdminStores(redis, k, createAuditLog(redis, k, { retentionDays: 1 }), region);
    // A frozen clock: both nodes stay healthy however long the run takes (nothing pings them here).
    const media = createMediaNodePool(['ast-a:5060', 'ast-b:5060'], { now: () => 0 });
    media.nodes.forEach((n) => media.answered(n));
    const deps: EdgeRoutingDeps = {
      findRoute: directory.findRoute,
      directNumberTarget: directNumberTarget(redis, k, admin),
      contacts: createContactStore(redis, k).contacts,
      // No number of the run is given to an extension: no hänvisning is ever looked up.
      absent: async () => false,
      extension: async () => undefined,
      mainNumber: () => undefined,
      // Trunk calls to the region's numbers: the dial policy and 112's caller ID are never asked.
      dialling: createDiallingGuard(redis, k, { policies: admin.dialPolicies, region }),
      emergencyCallerId: async () => undefined,
      media,
      trunkHost: 'carrier.example:5060',
      fallbackNumbers: [],
      deadlineMs: 5_000,
    };
    const dialled = Array.from({ length: DECISIONS }, (_, i) =>
      i % 10 === 9 ? directDial[i % directDial.length]! : numbers[(i * 7919) % numbers.length]!,
    );
    const decide = async (i: number) => {
      const route = await routeInvite(dialled[i]!, { from: 'trunk' }, deps);
      if (route.kind !== 'media') throw new Error(`${dialled[i]} was routed to ${JSON.stringify(route)}`);
    };
    const get = async (i: number) => {
      await redis.get(k.route(dialled[i]!));
    };

    console.log(
      `\nrouting: ${NUMBERS} numbers in Redis, ${DECISIONS} decisions (90 % exact numbers, 10 % direct-dial ranges)`,
    );
    await sequential(Math.min(2_000, DECISIONS), decide); // warm up
    report('routing decision', await sequential(DECISIONS, decide), await concurrent(DECISIONS, decide));
    report('baseline: Redis GET', await sequential(DECISIONS, get), await concurrent(DECISIONS, get));
  } finally {
    await redis.close();
    await server.stop();
  }
}

/** Writes `NUMBERS` valid Swedish numbers as main numbers of the members, as syncRegion writes routes. */
async function seedNumbers(
  redis: RedisClient,
  k: ReturnType<typeof keys>,
  municipalities: string[],
): Promise<string[]> {
  const numbers: string[] = [];
  for (let i = 0; numbers.length < NUMBERS; i++) {
    const parsed = parsePhoneNumber(`090-${String(1_000_000 + i).slice(1, 3)} ${String(1_000_000 + i).slice(3)}`);
    if (parsed.ok) numbers.push(parsed.e164);
  }
  for (let start = 0; start < numbers.length; start += 5_000) {
    const tx = redis.multi();
    numbers.slice(start, start + 5_000).forEach((number, j) => {
      const target: RouteTarget = {
        kind: 'main-number',
        municipalityId: municipalities[(start + j) % municipalities.length]!,
      };
      tx.set(k.route(number), JSON.stringify(target));
    });
    await tx.exec();
  }
  return numbers;
}

/** One at a time: each operation's latency (ms). */
async function sequential(
  count: number,
  op: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    latencies.push(performance.now() - t);
  }
  return { latencies: latencies.sort((a, b) => a - b), perSecond: count / ((performance.now() - started) / 1000) };
}

/** IN_FLIGHT at a time: throughput per second. */
async function concurrent(count: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

function report(what: string, one: { latencies: number[]; perSecond: number }, many: number): void {
  const q = (p: number) =>
    one.latencies[Math.min(one.latencies.length - 1, Math.ceil(p * one.latencies.length) - 1)]!.toFixed(3);
  console.log(
    `  ${what.padEnd(22)} one at a time: ${Math.round(one.perSecond)}/s  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  |  ${IN_FLIGHT} in flight: ${Math.round(many)}/s`,
  );
}
